// The registry every extension point shares: built-ins first and in their order, then registered entries;
// lookups by name or by a predicate; names listed for messages; empty or taken names refused; an entry
// removed is gone.
#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "platform/registry.hpp"

namespace flipguard::platform {
namespace {

struct Thing {
  std::string_view name;
  int weight = 0;
};

const Thing kA{"a", 1}, kB{"b", 2};
const std::array kBuiltins = {&kA, &kB};

TEST(Registry, BuiltinsFirstThenRegisteredInOrder) {
  Registry<Thing> r("thing", kBuiltins);
  const Thing c{"c", 3}, d{"d", 2};
  r.add(c);
  r.add(d);
  const auto all = r.entries();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0], &kA);
  EXPECT_EQ(all[1], &kB);
  EXPECT_EQ(all[2], &c);
  EXPECT_EQ(all[3], &d);
  EXPECT_EQ(r.names(" or "), "a, b, c or d");
  EXPECT_EQ(r.find("c"), &c);
  EXPECT_EQ(r.find("zz"), nullptr);
  // A predicate finds the built-in before a registered entry that also matches.
  EXPECT_EQ(r.find_if([](const Thing& t) { return t.weight == 2; }), &kB);
  EXPECT_EQ(r.find_if([](const Thing& t) { return t.weight == 3; }), &c);
}

TEST(Registry, RefusesEmptyAndTakenNames) {
  Registry<Thing> r("thing", kBuiltins);
  const Thing empty{"", 0}, again{"b", 9};
  try {
    r.add(empty);
    FAIL() << "an empty name was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "thing: a name must be non-empty");
  }
  try {
    r.add(again);
    FAIL() << "a taken name was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "thing 'b' is registered already");
  }
  EXPECT_EQ(r.entries().size(), 2u);
}

TEST(Registry, RemovedEntryIsGoneAndItsNameFree) {
  Registry<Thing> r("thing", kBuiltins);
  const Thing c{"c", 3};
  r.add(c);
  r.remove(c);
  EXPECT_EQ(r.find("c"), nullptr);
  EXPECT_EQ(r.names(" and "), "a and b");
  r.add(c);  // the name is free again
  EXPECT_EQ(r.find("c"), &c);
}

}  // namespace
}  // namespace flipguard::platform
