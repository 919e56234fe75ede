// Renders report.html and a plot in headless Chromium and checks the screenshots: the requested size, that
// the plot really drew, and that two identical series are both visible. "Not blank" is judged on decoded
// pixels, not file size: a blank page is uniformly white, and a page that failed to render the SVG (or an
// error page) has none of the plot's series colours, so the test counts non-white pixels and pixels of the
// series colours.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

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

// Renders `file` (HTML or SVG) at width x height and returns the screenshot.
test::PngImage screenshot(const std::filesystem::path& dir, const std::filesystem::path& file, int width,
                          int height) {
  const std::filesystem::path chromium = "/usr/bin/chromium";
  if (!std::filesystem::exists(chromium))
    throw std::runtime_error(
        "/usr/bin/chromium is missing: install Debian's chromium package (scripts/setup does)");
  const auto png = dir / (file.stem().string() + ".png");
  const std::string cmd = "timeout 120 " + chromium.string() +
                          " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                          " --disable-background-networking --disable-component-update --disable-sync"
                          " --hide-scrollbars --user-data-dir=" +
                          (dir / "profile").string() + " --screenshot=" + png.string() +
                          " --window-size=" + std::to_string(width) + "," + std::to_string(height) +
                          " file://" + file.string() + " > " + (dir / "chromium.log").string() + " 2>&1";
  if (std::system(cmd.c_str()) != 0 || !std::filesystem::exists(png))
    throw std::runtime_error(cmd + "\n" + test::read_text(dir / "chromium.log"));
  return test::read_png(png);
}

// Pixels near a colour within the rows [y0, y1).
std::size_t pixels_near(const test::PngImage& img, int r, int g, int b, int tolerance, std::uint32_t y0,
                        std::uint32_t y1) {
  std::size_t n = 0;
  for (std::size_t i = std::size_t(y0) * img.width * 3;
       i < std::size_t(std::min(y1, img.height)) * img.width * 3; i += 3)
    if (std::abs(img.rgb[i] - r) <= tolerance && std::abs(img.rgb[i + 1] - g) <= tolerance &&
        std::abs(img.rgb[i + 2] - b) <= tolerance)
      ++n;
  return n;
}

double svg_attribute(const std::string& svg, const std::string& name) {
  return std::stod(svg.substr(svg.find(" " + name + "=\"") + name.size() + 3));
}

}  // namespace

TEST(Browser, ChromiumRendersTheReportWithItsPlot) {
  const auto dir = test::fresh_dir("browser");
  test::write_text(dir / "study.jsonl", test::to_jsonl(test::Synthetic{}.records()));
  const auto out = report::write_report(dir / "study.jsonl");
  const auto img = screenshot(dir, out.dir / "report.html", 1200, 900);
  EXPECT_EQ(img.width, 1200u);
  EXPECT_EQ(img.height, 900u);
  const std::size_t total = std::size_t(img.width) * img.height;
  const std::size_t white = pixels_near(img, 255, 255, 255, 6);
  EXPECT_GT(total - white, total / 50) << "the screenshot is (nearly) blank";
  // Lines and markers of the first two series (#0072B2, #D55E00): the plot was drawn, not just text.
  EXPECT_GT(pixels_near(img, 0x00, 0x72, 0xB2, 12), 300u);
  EXPECT_GT(pixels_near(img, 0xD5, 0x5E, 0x00, 12), 300u);
}

// Two protections with identical results in every cell (here ecc72 and scale+ecc72): both must be seen in
// the plot area itself, not only in the legend. Drawn on top of each other, the second would hide the first.
TEST(Browser, TwoCoincidentSeriesAreBothVisible) {
  const auto dir = test::fresh_dir("browser-coincident");
  test::Synthetic syn;
  syn.protections = {"none", "scale+ecc72", "ecc72"};  // the same drop for both ECC variants
  test::write_text(dir / "study.jsonl", test::to_jsonl(syn.records()));
  const auto out = report::write_report(dir / "study.jsonl");
  const auto file = out.dir / "top1_vs_ber_q2.5.svg";
  const std::string svg = test::read_text(file);
  const int w = static_cast<int>(svg_attribute(svg, "width")),
            h = static_cast<int>(svg_attribute(svg, "height"));
  const auto img = screenshot(dir, file, w, h);
  // The data area: from below the title to above the x tick labels (the legend is further down).
  const auto frame = svg.find("<g class=\"axes\"");
  const auto y0 = static_cast<std::uint32_t>(svg_attribute(svg.substr(frame), "y"));
  const auto y1 = y0 + static_cast<std::uint32_t>(svg_attribute(svg.substr(frame), "height"));
  const std::size_t body = std::size_t(w) * (y1 - y0);
  EXPECT_GT(body - pixels_near(img, 255, 255, 255, 6, y0, y1), body / 100)
      << "the plot area is (nearly) blank";
  const std::size_t vermillion = pixels_near(img, 0xD5, 0x5E, 0x00, 24, y0, y1);  // scale+ecc72
  const std::size_t green = pixels_near(img, 0x00, 0x9E, 0x73, 24, y0, y1);       // ecc72
  EXPECT_GT(vermillion, 120u) << "scale+ecc72 is hidden by ecc72";
  EXPECT_GT(green, 120u);
  EXPECT_GT(pixels_near(img, 0x00, 0x72, 0xB2, 24, y0, y1), 120u);  // none
}
