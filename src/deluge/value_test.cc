// What data files cannot express: memory ownership, map internals, number formatting limits.
#include "deluge/value.h"

#include <gtest/gtest.h>

#include "deluge/format.h"
#include "deluge/json.h"

namespace relish::deluge {
namespace {

TEST(HeapTest, FreesCyclesAtTheEnd) {
  auto heap = std::make_unique<Heap>();
  {
    Value m = heap->NewMap();
    m.map()->map.Put(Value::Text("self"), m);  // m -> m
    Value l = heap->NewList();
    l.list()->items.push_back(m);
    m.map()->map.Put(Value::Text("list"), l);  // m -> l -> m
  }
  EXPECT_EQ(heap->live(), 2u);  // the cycle outlives its last outside reference...
  heap.reset();                 // ...until the run ends (ASan checks nothing leaks)
}

TEST(HeapTest, FreesAcyclicValuesImmediately) {
  Heap heap;
  {
    Value m = heap.NewMap();
    Value inner = heap.NewList();
    m.map()->map.Put(Value::Text("l"), inner);
    EXPECT_EQ(heap.live(), 2u);
  }
  EXPECT_EQ(heap.live(), 0u);
}

TEST(HeapTest, DropsDeepNestingWithoutRecursion) {
  Heap heap;
  {
    Value outer = heap.NewList();
    for (int i = 0; i < 200'000; ++i) {
      Value next = heap.NewList();
      next.list()->items.push_back(std::move(outer));
      outer = std::move(next);
    }
    EXPECT_EQ(heap.live(), 200'001u);
  }
  EXPECT_EQ(heap.live(), 0u);
}

// What a run allocates is charged to its meter and given back when freed: texts, files, lists,
// maps and the arrays inside them, cycles freed at the heap's end included.
TEST(MemoryMeterTest, EveryAllocationIsGivenBack) {
  MemoryMeter meter(1 << 30);
  {
    MemoryMeter::Scope scope(&meter);
    auto heap = std::make_unique<Heap>();
    {
      Value t = Value::Text(std::string(1000, 'x'));
      EXPECT_GE(meter.used(), 1000u);
      Value l = heap->NewList();
      for (int i = 0; i < 1000; ++i) l.list()->items.push_back(t);
      size_t with_list = meter.used();
      EXPECT_GE(with_list, 1000u + 1000 * sizeof(Value));
      Value m = heap->NewMap();
      for (int i = 0; i < 100; ++i) m.map()->map.Put(Value::Text(std::to_string(i)), l);
      m.map()->map.Put(Value::Text("self"), m);  // a cycle: freed only with the heap
      Value f = NewFile("a.txt", "text/plain", std::string(5000, 'y'));
      EXPECT_GE(meter.used(), with_list + 5000);
      AppendText(t, std::string(3000, 'z'));
    }
    EXPECT_GT(meter.used(), 0u);  // the cycle
    heap.reset();
    EXPECT_EQ(meter.used(), 0u);
  }
  EXPECT_EQ(MemoryMeter::Current(), nullptr);
  EXPECT_FALSE(meter.exceeded());
}

TEST(MemoryMeterTest, GoingOverTheBudgetPullsTheTripwireOnce) {
  MemoryMeter meter(10'000);
  int64_t tripwire = 200'000;
  meter.set_tripwire(&tripwire);
  MemoryMeter::Scope scope(&meter);
  Value a = Value::Text(std::string(6000, 'a'));
  EXPECT_EQ(tripwire, 200'000);
  EXPECT_TRUE(meter.Fits(3000));
  EXPECT_FALSE(meter.Fits(5000));
  {
    Value b = Value::Text(std::string(6000, 'b'));
    EXPECT_TRUE(meter.exceeded());
    EXPECT_EQ(tripwire, -1);
  }
  EXPECT_TRUE(meter.exceeded());  // once over, the run is over
  EXPECT_LT(meter.used(), 10'000u);
}

TEST(MemoryMeterTest, ProgramConstantsAndValuesOutsideARunAreNotCounted) {
  MemoryMeter meter(1 << 20);
  Value outside = Value::Text("made before the run");
  MemoryMeter::Scope scope(&meter);
  Value constant = ImmortalText("a program constant");
  EXPECT_EQ(meter.used(), 0u);
  outside = Value();  // freed inside: nothing to give back
  EXPECT_EQ(meter.used(), 0u);
  FreeImmortal(constant);
}

TEST(ValueTest, AssignFromAnElementOfTheReleasedContainer) {
  Heap heap;
  Value v = heap.NewList();
  v.list()->items.push_back(Value::Text("kept"));
  v = v.list()->items[0];  // the list dies while its element is being copied
  ASSERT_TRUE(v.is_text());
  EXPECT_EQ(v.text(), "kept");
}

TEST(ValueTest, AppendTextInPlaceOnlyWhenUnshared) {
  Value a = Value::Text("ab");
  AppendText(a, "cd");
  Value shared = a;
  AppendText(a, "ef");
  EXPECT_EQ(a.text(), "abcdef");
  EXPECT_EQ(shared.text(), "abcd");
}

TEST(OrderedMapTest, KeepsInsertionOrderThroughGrowthAndRemoval) {
  OrderedMap m;
  for (int i = 0; i < 1000; ++i) m.Put(Value::Text("k" + std::to_string(i)), Value::Int(i));
  for (int i = 0; i < 1000; i += 2) {
    std::string k = "k" + std::to_string(i);
    ASSERT_TRUE(m.Remove(k, HashText(k)));
  }
  m.Put(Value::Text("k1"), Value::Int(-1));  // overwrite keeps the position
  m.Put(Value::Text("new"), Value::Int(7));
  EXPECT_EQ(m.size(), 501u);
  std::vector<std::string> keys;
  for (const auto& e : m.entries()) {
    if (!e.key.is_null()) keys.emplace_back(e.key.text());
  }
  EXPECT_EQ(keys.front(), "k1");
  EXPECT_EQ(keys[1], "k3");
  EXPECT_EQ(keys.back(), "new");
  EXPECT_EQ(m.Find("k1", HashText("k1"))->AsInt(), -1);
  EXPECT_EQ(m.Find("k2", HashText("k2")), nullptr);
}

TEST(FormatTest, Decimals) {
  EXPECT_EQ(FormatDecimal(1), "1.0");
  EXPECT_EQ(FormatDecimal(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatDecimal(-2.5), "-2.5");
  EXPECT_EQ(FormatDecimal(1e21), "1.0E21");
  EXPECT_EQ(FormatDecimal(1.5e-8), "1.5E-8");
  EXPECT_EQ(FormatDecimal(123456789.125), "123456789.125");
}

TEST(JsonTest, RoundTripsExactly) {
  Heap heap;
  const std::string text =
      R"({"id":4150868000001234567,"name":"Zoë \"Z\" \\ 漢字","n":[1,2.5,-3,true,null],)"
      R"("nested":{"a":{}},"esc":"line\nnext\ttab\u0001"})";
  Value v;
  std::string error;
  ASSERT_TRUE(ParseJson(text, heap, v, error)) << error;
  EXPECT_EQ(ToJsonText(v), text);
}

TEST(JsonTest, RejectsTooDeepNesting) {
  Heap heap;
  Value v;
  std::string error;
  EXPECT_FALSE(ParseJson(std::string(10000, '[') + std::string(10000, ']'), heap, v, error));
  EXPECT_NE(error.find("nested"), std::string::npos);
}

TEST(FormatTest, SelfContainingMapDoesNotPrintForever) {
  Heap heap;
  Value m = heap.NewMap();
  m.map()->map.Put(Value::Text("self"), m);
  std::string out;
  EXPECT_FALSE(AppendJson(out, m));
}

}  // namespace
}  // namespace relish::deluge
