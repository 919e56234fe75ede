// flipguard merge: joins the results files of a campaign's shards into one.
#include <cstdio>
#include <iostream>

#include "campaign/merge_results.hpp"
#include "cli/command.hpp"

namespace flipguard::cli {
namespace {

const char* const kUsage =
    "usage: flipguard merge OUT.jsonl IN.jsonl...\n"
    "Joins the results files of one campaign's shards (flipguard campaign --shard I/N) into OUT, which must\n"
    "not exist. Identical records in several inputs are kept once; differing ones, or records of another\n"
    "campaign, are errors naming the files.\n";

const RegisterCommand reg{
    "merge", "join the results files of a campaign's shards (--shard) into one",
    [](const std::vector<std::string>& args) {
      if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
        std::cout << kUsage;
        return 0;
      }
      if (args.size() < 2) {
        std::cerr << "flipguard merge: needs an output and at least one input\n" << kUsage;
        return 2;
      }
      const auto s = campaign::merge_results(args[0], std::vector<std::string>(args.begin() + 1, args.end()));
      for (const auto& w : s.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
      std::printf("merge: %lld records into %s (%lld duplicates kept once)\n",
                  static_cast<long long>(s.records), args[0].c_str(), static_cast<long long>(s.duplicates));
      return 0;
    }};

}  // namespace
}  // namespace flipguard::cli
