#include "deluge/value.h"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace relish::deluge {

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "NULL";
    case Type::kBool:
      return "BOOLEAN";
    case Type::kInt:
      return "NUMBER";
    case Type::kDecimal:
      return "DECIMAL";
    case Type::kDate:
      return "DATE";
    case Type::kDateTime:
      return "DATE-TIME";
    case Type::kText:
      return "TEXT";
    case Type::kFile:
      return "FILE";
    case Type::kList:
      return "LIST";
    case Type::kMap:
      return "KEY-VALUE";
    case Type::kCollection:
      return "COLLECTION";
    case Type::kAbort:
      break;
  }
  return "UNKNOWN";
}

uint32_t HashText(std::string_view text) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (text.size() * 0xC2B2AE3D27D4EB4Full);
  const char* p = text.data();
  size_t n = text.size();
  while (n >= 8) {
    uint64_t k;
    std::memcpy(&k, p, 8);
    h = (h ^ k) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t k = 0;
    std::memcpy(&k, p, n);
    h = (h ^ k) * 0x94D049BB133111EBull;
    h ^= h >> 29;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  auto r = static_cast<uint32_t>(h);
  return r == 0 ? 1 : r;
}

bool Str::IsAscii() {
  if (!(flags & kAsciiKnown)) {
    // Eight bytes at a time: length() of a 60 MB text reads all of it.
    bool ascii = true;
    uint32_t i = 0;
    for (; i + 8 <= size; i += 8) {
      uint64_t word;
      std::memcpy(&word, data + i, 8);
      if (word & 0x8080808080808080ull) {
        ascii = false;
        break;
      }
    }
    for (; ascii && i < size; ++i) {
      if (static_cast<unsigned char>(data[i]) >= 0x80) ascii = false;
    }
    // Immortal strings are shared across threads: computing the flag there would race.
    if (flags & kImmortal) return ascii;
    flags |= kAsciiKnown | (ascii ? kAscii : 0);
  }
  return flags & kAscii;
}

uint32_t Str::Hash() {
  if (hash != 0) return hash;
  uint32_t h = HashText(view());
  if (!(flags & kImmortal)) hash = h;
  return h;
}

void MemoryMeter::Alarm() {
  if (used() > budget_) {
    if (!exceeded_ && tripwire_ != nullptr) *tripwire_ = -1;
    exceeded_ = true;
    alarm_ = SIZE_MAX;  // the run is over: stop asking
    return;
  }
  // Frees since the last alarm moved the real threshold up; an early alarm only recomputes.
  alarm_ = credited_ + budget_;
}

namespace {

size_t StrBytes(size_t capacity) { return sizeof(Str) + capacity; }

Str* AllocStr(std::string_view text, size_t capacity, MemoryMeter* meter) {
  if (capacity < text.size()) capacity = text.size();
  void* mem = std::malloc(StrBytes(capacity));  // data[1] holds the NUL
  if (mem == nullptr) throw std::bad_alloc();
  auto* s = static_cast<Str*>(mem);
  s->refs = 1;
  s->kind = Type::kText;
  s->flags = 0;
  if (meter != nullptr) {
    meter->Charge(StrBytes(capacity));
    s->flags = kMetered;
  }
  s->size = static_cast<uint32_t>(text.size());
  s->capacity = static_cast<uint32_t>(capacity);
  s->hash = 0;
  if (!text.empty()) std::memcpy(s->data, text.data(), text.size());
  s->data[text.size()] = '\0';
  return s;
}

}  // namespace

Str* NewStr(std::string_view text, size_t capacity) {
  return AllocStr(text, capacity, MemoryMeter::Current());
}

Value Value::Text(std::string_view text) {
  if (text.empty()) {
    // One shared empty text: lists split from "a,,b" or "".leftPad(n) are full of them.
    static const Value empty = ImmortalText("");
    return empty;
  }
  return Adopt(NewStr(text));
}

Value ImmortalText(std::string_view text) {
  Str* s = AllocStr(text, 0, nullptr);  // lives past any run: never charged
  s->hash = HashText(text);
  bool ascii = s->IsAscii();
  s->flags = kImmortal | kAsciiKnown | (ascii ? kAscii : 0);
  return Value::Adopt(s);
}

void FreeImmortal(Value& value) {
  if (value.is_text() && (value.obj()->flags & kImmortal)) std::free(value.obj());
  // Forget the pointer without touching the freed object.
  new (&value) Value();
}

void AppendText(Value& text, std::string_view more, size_t max_capacity) {
  Str* s = text.str();
  size_t need = size_t{s->size} + more.size();
  if (s->refs == 1 && !(s->flags & kImmortal) && need <= s->capacity) {
    std::memcpy(s->data + s->size, more.data(), more.size());
    s->size = static_cast<uint32_t>(need);
    s->data[need] = '\0';
    s->hash = 0;
    s->flags &= static_cast<uint8_t>(~(kAsciiKnown | kAscii));
    return;
  }
  size_t capacity = need < 32 ? 32 : need * 2;
  if (capacity > max_capacity) capacity = max_capacity > need ? max_capacity : need;
  Str* grown = NewStr(s->view(), capacity);
  std::memcpy(grown->data + grown->size, more.data(), more.size());
  grown->size = static_cast<uint32_t>(need);
  grown->data[need] = '\0';
  text = Value::Adopt(grown);
}

Value NewFile(std::string name, std::string content_type, std::string bytes) {
  auto* f = new FileObj();
  f->refs = 1;
  f->kind = Type::kFile;
  f->flags = 0;
  f->name = std::move(name);
  f->content_type = std::move(content_type);
  f->bytes = std::move(bytes);
  if (MemoryMeter* m = MemoryMeter::Current()) {
    f->charged = sizeof(FileObj) + f->name.size() + f->content_type.size() + f->bytes.size();
    m->Charge(f->charged);
  }
  return Value::Adopt(f);
}

void DestroyObject(Object* obj) {
  switch (obj->kind) {
    case Type::kText:
      if (obj->flags & kMetered) CreditMemory(StrBytes(static_cast<Str*>(obj)->capacity));
      std::free(obj);
      return;
    case Type::kFile: {
      auto* f = static_cast<FileObj*>(obj);
      CreditMemory(f->charged);
      delete f;
      return;
    }
    case Type::kList:
    case Type::kMap:
    case Type::kCollection: {
      auto* h = static_cast<HeapObj*>(obj);
      h->heap->Release(h);
      return;
    }
    default:
      return;
  }
}

// ---- OrderedMap ----

namespace {
constexpr uint32_t kTomb = 0xFFFFFFFFu;
constexpr size_t kLinearMax = 8;  // small maps are scanned, not indexed
}  // namespace

Value* OrderedMap::Find(std::string_view key, uint32_t hash) {
  if (index_.empty()) {
    for (auto& e : entries_) {
      if (e.hash == hash && e.key.text() == key) return &e.value;
    }
    return nullptr;
  }
  size_t mask = index_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t slot = index_[i];
    if (slot == 0) return nullptr;
    if (slot != kTomb) {
      auto& e = entries_[slot - 1];
      if (e.hash == hash && e.key.text() == key) return &e.value;
    }
  }
}

void OrderedMap::Put(const Value& key, Value value) {
  Str* k = key.str();
  uint32_t hash = k->Hash();
  if (Value* existing = Find(k->view(), hash)) {
    *existing = std::move(value);
    return;
  }
  entries_.push_back(Entry{key, std::move(value), hash});
  ++live_;
  if (index_.empty()) {
    if (entries_.size() > kLinearMax) Rehash(32);
    return;
  }
  if ((used_slots_ + 1) * 4 > index_.size() * 3) {
    if (live_ * 2 < entries_.size()) {
      Compact();
    } else {
      Rehash(index_.size() * 2);
    }
    return;
  }
  size_t mask = index_.size() - 1;
  size_t i = hash & mask;
  while (index_[i] != 0 && index_[i] != kTomb) i = (i + 1) & mask;
  if (index_[i] == 0) ++used_slots_;
  index_[i] = static_cast<uint32_t>(entries_.size());
}

bool OrderedMap::Remove(std::string_view key, uint32_t hash) {
  if (index_.empty()) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->hash == hash && it->key.text() == key) {
        entries_.erase(it);
        --live_;
        return true;
      }
    }
    return false;
  }
  size_t mask = index_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t slot = index_[i];
    if (slot == 0) return false;
    if (slot == kTomb) continue;
    auto& e = entries_[slot - 1];
    if (e.hash == hash && e.key.text() == key) {
      index_[i] = kTomb;
      Value old_key = std::move(e.key);
      Value old_value = std::move(e.value);
      e.key = Value();
      --live_;
      if (entries_.size() > 32 && live_ * 2 < entries_.size()) Compact();
      return true;
    }
  }
}

void OrderedMap::Clear() {
  Entries old;
  old.swap(entries_);
  index_.clear();
  live_ = 0;
  used_slots_ = 0;
}

void OrderedMap::Reserve(size_t n) { entries_.reserve(n); }

void OrderedMap::Compact() {
  size_t out = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].key.is_null()) continue;
    if (out != i) entries_[out] = std::move(entries_[i]);
    ++out;
  }
  entries_.resize(out);
  if (entries_.size() <= kLinearMax) {
    index_.clear();
    used_slots_ = 0;
    return;
  }
  size_t buckets = 32;
  while (buckets * 3 < entries_.size() * 4 * 2) buckets *= 2;
  Rehash(buckets);
}

void OrderedMap::Rehash(size_t buckets) {
  if (live_ != entries_.size()) {
    Compact();  // Compact rehashes
    return;
  }
  index_.assign(buckets, 0);
  size_t mask = buckets - 1;
  for (size_t n = 0; n < entries_.size(); ++n) {
    size_t i = entries_[n].hash & mask;
    while (index_[i] != 0) i = (i + 1) & mask;
    index_[i] = static_cast<uint32_t>(n + 1);
  }
  used_slots_ = entries_.size();
}

// ---- Heap ----

Heap::Heap() {
  head_.prev = &head_;
  head_.next = &head_;
  head_.heap = this;
  head_.refs = 1;
  head_.kind = Type::kNull;
  head_.flags = kImmortal;
}

Heap::~Heap() {
  tearing_down_ = true;
  // First empty every container (text is freed, counts of containers drop but nothing is freed:
  // Release ignores calls while tearing down), then delete them all, cycles included.
  for (HeapObj* o = head_.next; o != &head_; o = o->next) ClearContents(o);
  HeapObj* o = head_.next;
  while (o != &head_) {
    HeapObj* next = o->next;
    Delete(o);
    o = next;
  }
}

void Heap::Link(HeapObj* obj) {
  obj->heap = this;
  obj->prev = &head_;
  obj->next = head_.next;
  head_.next->prev = obj;
  head_.next = obj;
  ++live_;
}

namespace {
// Containers are charged their own size; the arrays inside them charge as they grow.
template <typename T>
void ChargeObject(T* obj) {
  obj->flags = 0;
  if (MemoryMeter* m = MemoryMeter::Current()) {
    m->Charge(sizeof(T));
    obj->flags = kMetered;
  }
}
}  // namespace

Value Heap::NewList(Type elem_type) {
  auto* o = new ListObj();
  o->refs = 1;
  o->kind = Type::kList;
  ChargeObject(o);
  o->elem_type = elem_type;
  Link(o);
  return Value::Adopt(o);
}

Value Heap::NewMap() {
  auto* o = new MapObj();
  o->refs = 1;
  o->kind = Type::kMap;
  ChargeObject(o);
  Link(o);
  return Value::Adopt(o);
}

Value Heap::NewCollection() {
  auto* o = new CollectionObj();
  o->refs = 1;
  o->kind = Type::kCollection;
  ChargeObject(o);
  Link(o);
  return Value::Adopt(o);
}

void Heap::ClearContents(HeapObj* obj) {
  switch (obj->kind) {
    case Type::kList: {
      ValueVector items;
      items.swap(static_cast<ListObj*>(obj)->items);
      break;
    }
    case Type::kMap:
      static_cast<MapObj*>(obj)->map.Clear();
      break;
    case Type::kCollection: {
      Value inner = std::move(static_cast<CollectionObj*>(obj)->inner);
      static_cast<CollectionObj*>(obj)->inner = Value();
      break;
    }
    default:
      break;
  }
}

void Heap::Delete(HeapObj* obj) {
  bool metered = obj->flags & kMetered;
  switch (obj->kind) {
    case Type::kList:
      if (metered) CreditMemory(sizeof(ListObj));
      delete static_cast<ListObj*>(obj);
      break;
    case Type::kMap:
      if (metered) CreditMemory(sizeof(MapObj));
      delete static_cast<MapObj*>(obj);
      break;
    case Type::kCollection:
      if (metered) CreditMemory(sizeof(CollectionObj));
      delete static_cast<CollectionObj*>(obj);
      break;
    default:
      break;
  }
}

void Heap::Release(HeapObj* obj) {
  if (tearing_down_) return;
  obj->prev->next = obj->next;
  obj->next->prev = obj->prev;
  --live_;
  pending_.push_back(obj);
  if (draining_) return;
  draining_ = true;
  while (!pending_.empty()) {
    HeapObj* o = pending_.back();
    pending_.pop_back();
    ClearContents(o);
    Delete(o);
  }
  draining_ = false;
}

}  // namespace relish::deluge
