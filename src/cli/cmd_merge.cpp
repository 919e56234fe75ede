// flipguard merge: joins the results files of a campaign's shards into one.
#include <cstdio>
#include <iostream>

#include "campaign/records/merge_results.hpp"
#include "cli/command.hpp"

namespace flipguard::cli {
namespace {

int run(const Arguments& args) {
  if (args.positionals.size() < 2) throw UsageError("needs an output and at least one input");
  const auto& p = args.positionals;
  const auto s = campaign::merge_results(p[0], std::vector<std::string>(p.begin() + 1, p.end()));
  for (const auto& w : s.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("merge: %lld record%s into %s (%lld duplicate%s kept once)\n",
              static_cast<long long>(s.records), s.records == 1 ? "" : "s", p[0].c_str(),
              static_cast<long long>(s.duplicates), s.duplicates == 1 ? "" : "s");
  return 0;
}

const RegisterCommand reg{
    {.name = "merge",
     .summary = "join the results files of a campaign's shards (--shard) into one",
     .positionals = "OUT.jsonl IN.jsonl...",
     .notes =
         "Joins the results files of one campaign's shards (flipguard campaign --shard I/N) into OUT, which "
         "must not exist. Identical records in several inputs are kept once; differing ones, or records of "
         "another campaign, are errors naming the files.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli
