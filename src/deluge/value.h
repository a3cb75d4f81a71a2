// Deluge values: a 16-byte tagged union. Scalars (null, boolean, whole number, decimal, date,
// date-time) live in the value itself; text, files and containers are reference-counted objects.
//
// Text is immutable and may be shared freely (refcounted). Lists, maps and collections have
// reference semantics, as in Deluge (adding a map to a list and then changing the map changes the
// list's element), so they can form cycles (`m.put("self", m)`). Every container belongs to the
// per-run Heap that created it: reference counting frees it as soon as nothing points at it, and
// the Heap's destructor frees whatever is left, cycles included. A Value that points at a
// container must not outlive that container's Heap.
//
// Values are single-threaded: one run, one thread. Text created as a program constant is marked
// immortal so that a compiled Program may be run by several threads at once.
//
// Every allocation of a text, file or container (and of the arrays inside lists and maps) is
// counted against the MemoryMeter of the run on the allocating thread, and given back when freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relish::deluge {

// The bytes of values one run holds, against its budget (Limits::max_memory_bytes). Allocation
// sites charge the meter installed on their thread by a Scope (the interpreter installs its own
// for the whole run, heap teardown included); outside a run there is none and nothing is
// counted. A charge is an add and a compare: going over the budget only raises exceeded() and
// pulls the tripwire, and the interpreter ends the run at its next statement. Built-ins that are
// about to allocate much check Fits() first, so the budget is not overrun by one large step.
class MemoryMeter {
 public:
  explicit MemoryMeter(size_t budget) : budget_(budget), alarm_(budget) {}
  MemoryMeter(const MemoryMeter&) = delete;
  MemoryMeter& operator=(const MemoryMeter&) = delete;

  void Charge(size_t bytes) {
    charged_ += bytes;
    if (charged_ > alarm_) [[unlikely]]
      Alarm();
  }
  void Credit(size_t bytes) { credited_ += bytes; }

  size_t used() const { return charged_ > credited_ ? charged_ - credited_ : 0; }
  size_t budget() const { return budget_; }
  size_t room() const { return used() >= budget_ ? 0 : budget_ - used(); }
  bool Fits(size_t bytes) const { return bytes <= room(); }
  bool exceeded() const { return exceeded_; }
  // `*tripwire` is set to -1 when the budget is first exceeded (the interpreter passes its
  // statement limit, so the check costs its hot path nothing).
  void set_tripwire(int64_t* tripwire) { tripwire_ = tripwire; }

  // The meter of the run on this thread; null outside a run.
  static MemoryMeter* Current() { return current_; }
  class Scope {
   public:
    explicit Scope(MemoryMeter* meter) : saved_(current_) { current_ = meter; }
    ~Scope() { current_ = saved_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    MemoryMeter* saved_;
  };

 private:
  void Alarm();

  static inline constinit thread_local MemoryMeter* current_ = nullptr;

  size_t charged_ = 0;
  size_t credited_ = 0;
  size_t budget_;
  size_t alarm_;  // charged_ beyond this may mean over budget: Alarm() decides
  int64_t* tripwire_ = nullptr;
  bool exceeded_ = false;
};

inline void ChargeMemory(size_t bytes) {
  if (MemoryMeter* m = MemoryMeter::Current()) m->Charge(bytes);
}
inline void CreditMemory(size_t bytes) {
  if (MemoryMeter* m = MemoryMeter::Current()) m->Credit(bytes);
}

// std::allocator that counts what it hands out against the thread's MemoryMeter: the arrays of
// lists and maps.
template <typename T>
struct MeteredAllocator {
  using value_type = T;
  MeteredAllocator() = default;
  template <typename U>
  MeteredAllocator(const MeteredAllocator<U>&) {}  // NOLINT: rebinding is implicit
  T* allocate(size_t n) {
    T* p = std::allocator<T>().allocate(n);
    ChargeMemory(n * sizeof(T));
    return p;
  }
  void deallocate(T* p, size_t n) {
    CreditMemory(n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  friend bool operator==(const MeteredAllocator&, const MeteredAllocator&) { return true; }
};

enum class Type : uint8_t {
  kNull,
  kBool,
  kInt,       // whole number, 64-bit
  kDecimal,   // IEEE double
  kDate,      // local date; payload: milliseconds since 1970-01-01 00:00 local time
  kDateTime,  // local date and time; same payload
  kText,
  kFile,
  kList,
  kMap,
  kCollection,
  kAbort,  // internal: "an error was raised"; never visible to scripts
};
inline constexpr int kTypeCount = 11;  // script-visible types

// Deluge's names for the types, as error messages show them ("TEXT", "KEY-VALUE", ...).
std::string_view TypeName(Type type);

class Heap;
class Value;

// Common header of every refcounted object.
struct Object {
  uint32_t refs;
  Type kind;
  uint8_t flags;
};
inline constexpr uint8_t kImmortal = 1;  // never counted, never freed (program constants)
inline constexpr uint8_t kAsciiKnown = 2;
inline constexpr uint8_t kAscii = 4;
inline constexpr uint8_t kMetered = 8;  // charged to a MemoryMeter: credit it when freed

// Immutable UTF-8 text. `capacity` may exceed `size` so that `s = s + x` can append in place
// when the text is not shared.
struct Str : Object {
  uint32_t size;
  uint32_t capacity;
  uint32_t hash;  // 0: not yet computed
  char data[1];   // size + 1 bytes, NUL-terminated

  std::string_view view() const { return {data, size}; }
  bool IsAscii();
  uint32_t Hash();
};

struct FileObj : Object {
  std::string name;
  std::string content_type;
  std::string bytes;
  std::string param_name;  // setParamName: the multipart part it is sent as ("" = "file")
  size_t charged = 0;  // what the MemoryMeter was charged for it
};

// Containers: linked into their Heap so the Heap can free what reference counting cannot.
struct HeapObj : Object {
  HeapObj* prev;
  HeapObj* next;
  Heap* heap;
};

void DestroyObject(Object* obj);

inline void IncRef(Object* obj) {
  if (!(obj->flags & kImmortal)) ++obj->refs;
}
inline void DecRef(Object* obj) {
  if (!(obj->flags & kImmortal) && --obj->refs == 0) DestroyObject(obj);
}

struct ListObj;
struct MapObj;
struct CollectionObj;

class Value;
using ValueVector = std::vector<Value, MeteredAllocator<Value>>;

class Value {
 public:
  Value() : type_(Type::kNull) { u_.i = 0; }
  ~Value() {
    if (IsRef()) DecRef(u_.obj);
  }
  Value(const Value& other) : type_(other.type_), u_(other.u_) {
    if (IsRef()) IncRef(u_.obj);
  }
  Value(Value&& other) noexcept : type_(other.type_), u_(other.u_) { other.type_ = Type::kNull; }
  Value& operator=(const Value& other) {
    // Copy first: `other` may live inside the object that releasing the old value frees.
    Type new_type = other.type_;
    auto new_u = other.u_;
    if (other.IsRef()) IncRef(new_u.obj);
    Type old_type = type_;
    Object* old_obj = u_.obj;
    type_ = new_type;
    u_ = new_u;
    Release(old_type, old_obj);
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      Type old_type = type_;
      Object* old_obj = u_.obj;
      type_ = other.type_;
      u_ = other.u_;
      other.type_ = Type::kNull;
      Release(old_type, old_obj);  // last: freeing it may touch the value just moved in
    }
    return *this;
  }

  static Value Null() { return Value(); }
  static Value Bool(bool b) {
    Value v(Type::kBool);
    v.u_.i = b ? 1 : 0;
    return v;
  }
  static Value Int(int64_t i) {
    Value v(Type::kInt);
    v.u_.i = i;
    return v;
  }
  static Value Decimal(double d) {
    Value v(Type::kDecimal);
    v.u_.d = d;
    return v;
  }
  static Value Date(int64_t ms) {
    Value v(Type::kDate);
    v.u_.i = ms;
    return v;
  }
  static Value DateTime(int64_t ms) {
    Value v(Type::kDateTime);
    v.u_.i = ms;
    return v;
  }
  static Value Text(std::string_view text);
  static Value Abort() { return Value(Type::kAbort); }
  // Takes over one reference to `obj` (refs must already count it).
  static Value Adopt(Object* obj) {
    Value v(obj->kind);
    v.u_.obj = obj;
    return v;
  }
  // Shares `obj` (adds a reference).
  static Value Share(Object* obj) {
    IncRef(obj);
    return Adopt(obj);
  }

  Type type() const { return type_; }
  bool IsRef() const { return type_ >= Type::kText && type_ <= Type::kCollection; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_abort() const { return type_ == Type::kAbort; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_decimal() const { return type_ == Type::kDecimal; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kDecimal; }
  bool is_date() const { return type_ == Type::kDate || type_ == Type::kDateTime; }
  bool is_text() const { return type_ == Type::kText; }
  bool is_list() const { return type_ == Type::kList; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_collection() const { return type_ == Type::kCollection; }
  bool is_file() const { return type_ == Type::kFile; }

  bool AsBool() const { return u_.i != 0; }
  int64_t AsInt() const { return u_.i; }
  double AsDecimal() const { return u_.d; }
  // A number as double (whole numbers converted).
  double AsDouble() const { return type_ == Type::kInt ? static_cast<double>(u_.i) : u_.d; }
  int64_t AsMillis() const { return u_.i; }
  Object* obj() const { return u_.obj; }
  Str* str() const { return static_cast<Str*>(u_.obj); }
  std::string_view text() const { return str()->view(); }
  ListObj* list() const { return reinterpret_cast<ListObj*>(u_.obj); }
  MapObj* map() const { return reinterpret_cast<MapObj*>(u_.obj); }
  CollectionObj* collection() const { return reinterpret_cast<CollectionObj*>(u_.obj); }
  FileObj* file() const { return static_cast<FileObj*>(u_.obj); }

  // In-place mutation helpers for the interpreter's fast paths.
  void SetInt(int64_t i) { SetScalar(Type::kInt, i); }
  void SetBool(bool b) { SetScalar(Type::kBool, b ? 1 : 0); }

 private:
  explicit Value(Type type) : type_(type) { u_.i = 0; }
  void SetScalar(Type type, int64_t bits) {
    Type old_type = type_;
    Object* old_obj = u_.obj;
    type_ = type;
    u_.i = bits;
    Release(old_type, old_obj);
  }
  static void Release(Type type, Object* obj) {
    if (type >= Type::kText && type <= Type::kCollection) DecRef(obj);
  }

  Type type_;
  union {
    int64_t i;
    double d;
    Object* obj;
  } u_;
};
static_assert(sizeof(Value) == 16);

Str* NewStr(std::string_view text, size_t capacity = 0);
// Program constants: never counted, never freed by a run; the owner calls FreeImmortal.
Value ImmortalText(std::string_view text);
void FreeImmortal(Value& value);
// Appends to a text value, in place when it is not shared and has room; a new text gets spare
// capacity for later appends, up to `max_capacity` bytes (never less than it needs).
void AppendText(Value& text, std::string_view more, size_t max_capacity = SIZE_MAX);

Value NewFile(std::string name, std::string content_type, std::string bytes);

// An insertion-ordered hash map from text keys to values. Removal leaves a tombstone that later
// growth compacts away, so iteration order stays insertion order.
class OrderedMap {
 public:
  struct Entry {
    Value key;  // text; null for a removed entry
    Value value;
    uint32_t hash;
  };

  size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  Value* Find(std::string_view key, uint32_t hash);
  Value* Find(Str* key) { return Find(key->view(), key->Hash()); }
  // Inserts or overwrites (an overwritten key keeps its position).
  void Put(const Value& key, Value value);
  bool Remove(std::string_view key, uint32_t hash);
  void Clear();
  void Reserve(size_t n);

  using Entries = std::vector<Entry, MeteredAllocator<Entry>>;
  // Iteration: skip entries whose key is null.
  const Entries& entries() const { return entries_; }
  Entries& mutable_entries() { return entries_; }

 private:
  void Rehash(size_t buckets);
  void Compact();

  Entries entries_;
  std::vector<uint32_t, MeteredAllocator<uint32_t>> index_;  // 0 empty, kTomb removed, else
                                                             // entry index + 1
  size_t live_ = 0;
  size_t used_slots_ = 0;  // non-empty index slots, tombstones included
};

struct ListObj : HeapObj {
  ValueVector items;
  Type elem_type = Type::kNull;  // typed list (List:String()): kNull means untyped
};

struct MapObj : HeapObj {
  OrderedMap map;
};

// Collection(): a list or a map, decided by the first insert. `inner` is null until then.
struct CollectionObj : HeapObj {
  Value inner;
};

// Owns every container created during one run.
class Heap {
 public:
  Heap();
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  Value NewList(Type elem_type = Type::kNull);
  Value NewMap();
  Value NewCollection();

  // Called by DecRef when a container's count reaches zero. Frees iteratively, so dropping a
  // deeply nested structure does not recurse.
  void Release(HeapObj* obj);
  size_t live() const { return live_; }

 private:
  void Link(HeapObj* obj);
  static void ClearContents(HeapObj* obj);
  static void Delete(HeapObj* obj);

  HeapObj head_;
  size_t live_ = 0;
  std::vector<HeapObj*> pending_;
  bool draining_ = false;
  bool tearing_down_ = false;
};

// 32-bit hash of text (never 0).
uint32_t HashText(std::string_view text);

}  // namespace relish::deluge
