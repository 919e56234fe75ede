// Renders report.html in headless Chromium and checks the screenshot: the requested size, and that the plot
// really drew. "Not blank" is judged on decoded pixels, not file size: a blank page is uniformly white, and
// a page that failed to render the SVG (or an error page) has none of the plot's series colours, so the test
// counts non-white pixels and pixels of the first two series colours.
#include <gtest/gtest.h>

#include <cstdlib>

#include "png_image.hpp"
#include "report/report_writer.hpp"
#include "synthetic_results.hpp"

using namespace flipguard;

namespace {

std::size_t pixels_near(const test::PngImage& img, int r, int g, int b, int tolerance) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < img.rgb.size(); i += 3)
    if (std::abs(img.rgb[i] - r) <= tolerance && std::abs(img.rgb[i + 1] - g) <= tolerance &&
        std::abs(img.rgb[i + 2] - b) <= tolerance)
      ++n;
  return n;
}

}  // namespace

TEST(Browser, ChromiumRendersTheReportWithItsPlot) {
  const std::filesystem::path chromium = "/usr/bin/chromium";
  ASSERT_TRUE(std::filesystem::exists(chromium))
      << "/usr/bin/chromium is missing: install Debian's chromium package (scripts/setup does)";
  const auto dir = test::fresh_dir("browser");
  test::write_text(dir / "study.jsonl", test::to_jsonl(test::Synthetic{}.records()));
  const auto out = report::write_report(dir / "study.jsonl");
  const auto png = dir / "shot.png";
  const std::string cmd = "timeout 120 " + chromium.string() +
                          " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                          " --disable-background-networking --disable-component-update --disable-sync"
                          " --hide-scrollbars --user-data-dir=" +
                          (dir / "profile").string() + " --screenshot=" + png.string() +
                          " --window-size=1200,900 file://" + (out.dir / "report.html").string() + " > " +
                          (dir / "chromium.log").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << test::read_text(dir / "chromium.log");
  ASSERT_TRUE(std::filesystem::exists(png)) << test::read_text(dir / "chromium.log");

  const auto img = test::read_png(png);
  EXPECT_EQ(img.width, 1200u);
  EXPECT_EQ(img.height, 900u);
  const std::size_t total = std::size_t(img.width) * img.height;
  const std::size_t white = pixels_near(img, 255, 255, 255, 6);
  EXPECT_GT(total - white, total / 50) << "the screenshot is (nearly) blank";
  // Lines and markers of the first two series (#0072B2, #D55E00): the plot was drawn, not just text.
  EXPECT_GT(pixels_near(img, 0x00, 0x72, 0xB2, 12), 300u);
  EXPECT_GT(pixels_near(img, 0xD5, 0x5E, 0x00, 12), 300u);
}
