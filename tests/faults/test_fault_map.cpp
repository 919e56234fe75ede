#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "faults/fault_map.hpp"
#include "faults/rng.hpp"
#include "support/temp_files.hpp"

namespace flipguard::faults {
namespace {

memory::BitImage random_image(std::uint64_t nbits, std::uint64_t seed) {
  memory::BitImage img(nbits);
  KeyedRng rng({seed, 0, 0, 99});
  for (auto& w : img.words()) w = rng.next_u64();
  // Keep the padding past nbits zero, as a fresh image has it.
  if (nbits % 64) img.words().back() &= (std::uint64_t{1} << (nbits % 64)) - 1;
  return img;
}

// A map with a random kind at random distinct bits (about one bit in `every`), built independently of
// samplers.
FaultMap random_map(std::uint64_t nbits, std::uint64_t every, std::uint64_t seed) {
  KeyedRng rng({seed, 1, 0, 0});
  std::vector<Fault> faults;
  for (std::uint64_t b = 0; b < nbits; ++b) {
    if (rng.below(every) == 0) faults.push_back({b, static_cast<FaultKind>(rng.below(3))});
  }
  return FaultMap(nbits, std::move(faults));
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(FaultMap, SortsAndRejectsDuplicatesAndOutOfRange) {
  const FaultMap m(100, {{50, FaultKind::kFlip}, {3, FaultKind::kStuck1}, {99, FaultKind::kStuck0}});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m.faults()[0], (Fault{3, FaultKind::kStuck1}));
  EXPECT_EQ(m.faults()[1], (Fault{50, FaultKind::kFlip}));
  EXPECT_EQ(m.faults()[2], (Fault{99, FaultKind::kStuck0}));
  EXPECT_TRUE(contains(message_of([] { FaultMap(100, {{100, FaultKind::kFlip}}); }), "bit 100 is outside"));
  EXPECT_TRUE(contains(message_of([] {
                         FaultMap(100, {{7, FaultKind::kFlip}, {7, FaultKind::kStuck0}});
                       }),
                       "bit 7 has more than one fault"));
}

TEST(FaultMap, ApplyThenUndoRestoresEveryBitExactly) {
  const std::uint64_t nbits = 10'007;  // not a multiple of 64, so the last word is partial
  memory::BitImage img = random_image(nbits, 1);
  const memory::BitImage original = img;
  const FaultMap map = random_map(nbits, 20, 2);
  ASSERT_GT(map.size(), 300u);

  const AppliedFaults applied = map.apply(img);
  for (const Fault& f : map.faults()) {
    const bool before = original.get(f.bit), after = img.get(f.bit);
    switch (f.kind) {
      case FaultKind::kFlip:
        EXPECT_NE(after, before) << f.bit;
        break;
      case FaultKind::kStuck0:
        EXPECT_FALSE(after) << f.bit;
        break;
      case FaultKind::kStuck1:
        EXPECT_TRUE(after) << f.bit;
        break;
    }
  }
  // The record lists exactly the bits that differ, found by comparing the whole images.
  std::vector<std::uint64_t> differing;
  for (std::uint64_t b = 0; b < nbits; ++b) {
    if (img.get(b) != original.get(b)) differing.push_back(b);
  }
  EXPECT_EQ(applied.changed_bits(), differing);

  applied.undo(img);
  EXPECT_EQ(img.words(), original.words());
}

TEST(FaultMap, StuckAtOnABitAlreadyAtThatValueChangesNothingAndUndoKeepsIt) {
  memory::BitImage img(16);
  img.set(2, true);  // bit 2 is 1, bit 5 is 0
  const FaultMap map(16, {{2, FaultKind::kStuck1}, {5, FaultKind::kStuck0}, {9, FaultKind::kStuck1}});
  const AppliedFaults applied = map.apply(img);
  EXPECT_EQ(applied.changed_bits(), std::vector<std::uint64_t>{9});
  EXPECT_TRUE(img.get(2));
  EXPECT_TRUE(img.get(9));
  applied.undo(img);
  EXPECT_TRUE(img.get(2));  // a naive "undo = flip every fault bit" would have cleared it
  EXPECT_FALSE(img.get(5));
  EXPECT_FALSE(img.get(9));
}

TEST(FaultMap, ApplyAtAnOffsetTouchesOnlyThatRegion) {
  memory::BitImage img = random_image(1000, 3);
  const memory::BitImage original = img;
  const FaultMap map(100, {{0, FaultKind::kFlip}, {99, FaultKind::kFlip}});
  const AppliedFaults applied = map.apply(img, 500);
  for (std::uint64_t b = 0; b < 1000; ++b)
    EXPECT_EQ(img.get(b), original.get(b) ^ (b == 500 || b == 599)) << b;
  applied.undo(img);
  EXPECT_EQ(img.words(), original.words());
  EXPECT_TRUE(contains(message_of([&] { map.apply(img, 901); }), "does not fit in an image of 1000 bits"));
}

TEST(FaultMap, TouchedElementsMatchAWholeImageComparison) {
  for (const unsigned width : {1u, 7u, 8u, 16u, 32u}) {
    const std::uint64_t elements = 3000;
    memory::BitImage img = random_image(elements * width, 4);
    const memory::BitImage original = img;
    std::vector<Fault> faults;
    const FaultMap mixed = random_map(elements * width, 37, 5 + width);
    for (const Fault& f : mixed.faults()) faults.push_back({f.bit, FaultKind::kFlip});
    const FaultMap map(elements * width, faults);
    const AppliedFaults applied = map.apply(img);
    // Only flips, so every touched element really changed: compare element values one by one.
    std::vector<std::uint64_t> changed;
    for (std::uint64_t e = 0; e < elements; ++e) {
      if (img.field(e, width) != original.field(e, width)) changed.push_back(e);
    }
    EXPECT_EQ(map.touched_elements(width), changed) << "width " << width;
    EXPECT_EQ(applied.changed_elements(width), changed) << "width " << width;
  }
  EXPECT_THROW(FaultMap().touched_elements(0), std::invalid_argument);
}

TEST(FaultMap, ChangedElementsSkipStuckAtsThatChangedNothing) {
  memory::BitImage img(32);
  img.set_field(1, 8, 0xFF);
  const FaultMap map(32, {{9, FaultKind::kStuck1}, {17, FaultKind::kStuck1}});
  EXPECT_EQ(map.touched_elements(8), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(map.apply(img).changed_elements(8), std::vector<std::uint64_t>{2});
}

TEST(FaultMap, SaveAndLoadRoundTrip) {
  const FaultMap map = random_map(5000, 50, 6);
  const auto path = flipguard::testing::scratch_path("faultmap_roundtrip.txt");
  map.save(path.string());
  const FaultMap back = FaultMap::load(path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(back, map);
  EXPECT_FALSE(back.empty());
}

std::string read_error(const std::string& text) {
  std::istringstream in(text);
  return message_of([&] { FaultMap::read(in, "trial7.faults"); });
}

TEST(FaultMap, LoadingNamesTheFileLineAndProblem) {
  const std::string head = "flipguard-faultmap 1\nregion_bits 64\n";
  EXPECT_EQ(read_error(""), "trial7.faults:0: empty file, expected header 'flipguard-faultmap 1'");
  EXPECT_TRUE(
      contains(read_error("flipguard-faultmap 2\n"), "trial7.faults:1: unsupported fault-map version '2'"));
  EXPECT_TRUE(contains(read_error(head + "faults 1\n3 zap\n"), "trial7.faults:4: unknown fault kind 'zap'"));
  EXPECT_TRUE(contains(read_error(head + "faults 1\n64 flip\n"), "trial7.faults:4: bit 64 is outside"));
  EXPECT_TRUE(contains(read_error(head + "faults 2\n5 flip\n5 stuck0\n"),
                       "trial7.faults:5: bit 5 is not after the previous bit 5"));
  EXPECT_TRUE(
      contains(read_error(head + "faults 3\n1 flip\n"), "file ends after 1 faults, header announced 3"));
  EXPECT_TRUE(
      contains(read_error(head + "faults 1\n1 flip\n2 flip\n"), "trial7.faults:5: unexpected content"));
  EXPECT_TRUE(contains(read_error(head + "faults -1\n"), "trial7.faults:3: expected fault count"));
  EXPECT_TRUE(
      contains(read_error("flipguard-faultmap 1\nfaults 1\n"), "trial7.faults:2: expected 'region_bits"));
  // Comments and blank lines are allowed anywhere.
  std::istringstream ok(
      "# trial 7\nflipguard-faultmap 1\n\nregion_bits 64\nfaults 1\n  # flips\n63 stuck1\r\n");
  EXPECT_EQ(FaultMap::read(ok, "ok"), FaultMap(64, {{63, FaultKind::kStuck1}}));
  EXPECT_TRUE(contains(message_of([] { FaultMap::load("/nonexistent/dir/x.faults"); }),
                       "/nonexistent/dir/x.faults: cannot open (No such file or directory)"));
}

}  // namespace
}  // namespace flipguard::faults
