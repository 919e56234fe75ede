// The command shell: help is asked for on standard output with exit 0, mistakes go to standard error with
// exit 2, and every command's --help lists exactly the settings of the settings table it takes.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "campaign/settings/settings.hpp"
#include "report/synthetic_results.hpp"
#include "support/cli_run.hpp"

namespace flipguard::testing {
namespace {

TEST(CommandShell, HelpGoesToStandardOutputAndMistakesToStandardError) {
  const auto help = run_cli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("commands:"), std::string::npos) << help.out;
  EXPECT_TRUE(help.err.empty()) << help.err;
  const auto bare = run_cli({});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("commands:"), std::string::npos);
  const auto unknown = run_cli({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos) << unknown.err;
}

TEST(CommandShell, VersionByFlagAndByCommand) {
  const auto flag = run_cli({"--version"});
  EXPECT_EQ(flag.exit_code, 0);
  EXPECT_TRUE(flag.out.starts_with("flipguard ")) << flag.out;
  EXPECT_EQ(run_cli({"version"}).out, flag.out);
}

TEST(CommandShell, EveryCommandAnswersHelpTheSameThreeWays) {
  for (const char* cmd : {"campaign", "layer-campaign", "sweep-t", "eval", "report", "merge",
                          "inspect-format", "settings", "version"}) {
    const auto long_flag = run_cli({cmd, "--help"});
    EXPECT_EQ(long_flag.exit_code, 0) << cmd << ": " << long_flag.err;
    EXPECT_TRUE(long_flag.out.starts_with(std::string("usage: flipguard ") + cmd)) << long_flag.out;
    EXPECT_EQ(run_cli({cmd, "-h"}).out, long_flag.out) << cmd;
    EXPECT_EQ(run_cli({"help", cmd}).out, long_flag.out) << cmd;
  }
}

// The storage formats' rounding and range rules are part of inspect-format's help (docs/protections.md).
TEST(CommandShell, InspectFormatHelpStatesRoundingAndSaturation) {
  std::string help;
  for (char c : run_cli({"inspect-format", "--help"}).out)  // lines are wrapped: compare with single spaces
    if (!std::isspace(static_cast<unsigned char>(c)) || (!help.empty() && help.back() != ' '))
      help += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
  for (const char* rule : {"rounds to nearest, ties to even", "floats overflow", "store Inf",
                           "Qm.n saturates to [-2^m, 2^m - 2^-n]", "int8 to [-127, 127]", "refuse NaN"})
    EXPECT_NE(help.find(rule), std::string::npos) << rule << "\n" << help;
}

TEST(CommandShell, HelpListsTheSettingsEachCommandTakesAndNoOthers) {
  const std::pair<const char*, unsigned> commands[] = {{"campaign", campaign::kForCampaign},
                                                       {"layer-campaign", campaign::kForLayerCampaign},
                                                       {"sweep-t", campaign::kForSweepT},
                                                       {"eval", campaign::kForEval}};
  for (const auto& [cmd, scope] : commands) {
    const auto help = run_cli({cmd, "--help"}).out;
    for (const auto& s : campaign::settings()) {
      const bool listed = help.find("  " + s.flag + " ") != std::string::npos;
      EXPECT_EQ(listed, (s.scope & scope) != 0) << cmd << " " << s.flag;
      // ... and the parser agrees with the help: a flag not listed is unknown.
      if (!(s.scope & scope) && !campaign::find_setting_by_flag(s.flag, scope)) {
        const auto r = run_cli({cmd, s.flag, "1"});
        EXPECT_EQ(r.exit_code, 2) << cmd << " " << s.flag;
        EXPECT_NE(r.err.find("unknown option '" + s.flag + "'"), std::string::npos) << r.err;
      }
    }
  }
}

TEST(CommandShell, EmptyValuesAndMissingValuesAreUsageErrors) {
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--results", ""}), {"--results", "empty"}));
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--bers", ""}), {"--bers", "empty"}));
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--data", ""}), {"--data", "empty"}));
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--trials"}), {"--trials needs a value"}));
  EXPECT_EQ(run_cli({"campaign", "--trials"}).exit_code, 2);
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--trials", "0"}), {"--trials", "[1, 1000000]", "'0'"}));
  EXPECT_TRUE(one_line_error(run_cli({"campaign", "--bers", "1e-3,1e-3"}), {"--bers", "listed twice"}));
  EXPECT_TRUE(
      one_line_error(run_cli({"campaign", "--formats", "q2.5,fp16,q2.5"}), {"--formats", "listed twice"}));
  EXPECT_TRUE(one_line_error(run_cli({"report"}), {"the results file is missing"}));
}

// After "--" every argument is a positional, so a file whose name starts with '-' can be named, and "--help"
// there is a file, not a request for help.
TEST(CommandShell, DoubleDashEndsTheOptionsOfReport) {
  const TempDir dir("dash");
  write_file(dir / "-dash.jsonl", test::to_jsonl(test::Synthetic{}.records()));
  const auto refused = run_cli({"report", "-dash.jsonl"}, 0, 600, dir.path());
  EXPECT_TRUE(one_line_error(refused, {"unknown option '-dash.jsonl'", "put it after --"}));
  EXPECT_EQ(refused.exit_code, 2);

  const auto r = run_cli({"report", "--title", "--", "--", "-dash.jsonl"}, 0, 600, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "-dash-report" / "summary.md")) << r.out;
  EXPECT_NE(read_file(dir / "-dash-report" / "summary.md").find("# --"), std::string::npos)
      << "--title's value is the \"--\" before the one that ends the options";

  for (const char* help : {"--help", "-h"}) {
    const auto not_help = run_cli({"report", "--", help}, 0, 600, dir.path());
    EXPECT_TRUE(one_line_error(not_help, {help})) << not_help.out;
    EXPECT_EQ(not_help.out.find("usage:"), std::string::npos) << not_help.out;
  }
  EXPECT_TRUE(one_line_error(run_cli({"report", "--", "-dash.jsonl", "--latex"}, 0, 600, dir.path()),
                             {"one results file at a time"}));
  EXPECT_EQ(run_cli({"report", "--help", "--", "-dash.jsonl"}).exit_code, 0);  // help before "--" is help
}

TEST(CommandShell, AFlagTakesItsValueAfterAnEqualsSign) {
  const TempDir dir("equals");
  write_file(dir / "r.jsonl", test::to_jsonl(test::Synthetic{}.records()));
  // --title=T is --title T; a value holding "=" stays whole, and "--x=y" after "--" is a file's name.
  const auto r = run_cli({"report", "--title=a=b", "--out=rep", "r.jsonl"}, 0, 600, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(dir / "rep" / "summary.md").find("# a=b"), std::string::npos);
  const auto whole =
      run_cli({"report", "--title", "--out=x", "--out", "rep2", "r.jsonl"}, 0, 600, dir.path());
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(read_file(dir / "rep2" / "summary.md").find("# --out=x"), std::string::npos);
  EXPECT_TRUE(one_line_error(run_cli({"report", "--", "--out=x"}, 0, 600, dir.path()), {"--out=x"}));
  EXPECT_TRUE(one_line_error(run_cli({"report", "--latex=1", "r.jsonl"}, 0, 600, dir.path()),
                             {"unknown option '--latex=1'"}));
}

TEST(CommandShell, DoubleDashEndsTheOptionsOfMerge) {
  const TempDir dir("dash");
  const auto records = test::Synthetic{}.records();
  const std::vector<campaign::TrialRecord> first(records.begin(), records.begin() + 10);
  const std::vector<campaign::TrialRecord> second(records.begin() + 10, records.end());
  write_file(dir / "-a.jsonl", test::to_jsonl(first));
  write_file(dir / "-b.jsonl", test::to_jsonl(second));
  const auto r = run_cli({"merge", "--", "-all.jsonl", "-a.jsonl", "-b.jsonl"}, 0, 600, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(records.size()) + " records into -all.jsonl"), std::string::npos)
      << r.out;
  EXPECT_EQ(lines_of(read_file(dir / "-all.jsonl")).size(), records.size());
}

// A command without positionals names a stray argument, before or after "--", instead of calling it an
// option.
TEST(CommandShell, StrayArgumentsOfACommandWithoutPositionalsAreUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", "resnet20"}, std::vector<std::string>{"eval", "--", "resnet20"},
        std::vector<std::string>{"campaign", "--trials", "2", "--", "x"},
        std::vector<std::string>{"settings", "--", "--help"}}) {
    const auto r = run_cli(args);
    EXPECT_TRUE(one_line_error(r, {"unexpected argument '" + args.back() + "'", "takes options only"}))
        << args[0];
    EXPECT_EQ(r.exit_code, 2) << args[0];
  }
}

}  // namespace
}  // namespace flipguard::testing
