#include "media/html_meta.hpp"
#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include <map>

using myelin::media::parse_html_meta;

namespace {
std::map<std::string, std::string> og_of(const std::string& html,
                                         const std::string& ct = "text/html",
                                         const std::string& url = "https://example.org/a/b.html",
                                         std::string* image = nullptr) {
    myelin::media::init_html_meta();
    auto m = parse_html_meta(html, ct, url);
    if (image) *image = m.image_url;
    return {m.og.begin(), m.og.end()};
}
} // namespace

TEST(HtmlMeta, ReadsOpenGraphProperties) {
    std::string image;
    auto og = og_of(R"(<html><head><title>Fallback</title>
        <meta property="og:title" content="The  Title">
        <meta property="og:description" content="About it">
        <meta property="og:site_name" content="Example">
        <meta property="og:image" content="/img/pic.png">
        <meta property="og:image:width" content="9999">
        </head><body><p>x</p></body></html>)",
                    "text/html", "https://example.org/a/b.html", &image);
    EXPECT_EQ(og["og:title"], "The Title");
    EXPECT_EQ(og["og:description"], "About it");
    EXPECT_EQ(og["og:site_name"], "Example");
    EXPECT_EQ(og.count("og:image"), 0u); // filled from the stored image, not the page
    EXPECT_EQ(og.count("og:image:width"), 0u);
    EXPECT_EQ(image, "https://example.org/img/pic.png");
}

TEST(HtmlMeta, FallsBackToTitleDescriptionAndFirstImage) {
    std::string image;
    auto og = og_of(R"(<!doctype html><title> Plain
        page </title><meta name="description" content="Said here">
        <body><img src="data:image/png;base64,AAAA"><img src="pics/one.jpg"><img src="two.jpg">)",
                    "text/html", "http://example.org/dir/page", &image);
    EXPECT_EQ(og["og:title"], "Plain page");
    EXPECT_EQ(og["og:description"], "Said here");
    EXPECT_EQ(image, "http://example.org/dir/pics/one.jpg");
}

TEST(HtmlMeta, TwitterCardsWhenNoOpenGraph) {
    std::string image;
    auto og = og_of(R"(<meta name="twitter:title" content="Tw"><meta name="twitter:image"
        content="https://cdn.example.net/x.webp">)",
                    "text/html", "https://example.org/", &image);
    EXPECT_EQ(og["og:title"], "Tw");
    EXPECT_EQ(image, "https://cdn.example.net/x.webp");
}

TEST(HtmlMeta, DecodesTheDeclaredCharset) {
    // "café" in ISO-8859-1, declared once by the header and once by the page.
    std::string latin1 = "<title>caf\xE9</title>";
    EXPECT_EQ(og_of(latin1, "text/html; charset=ISO-8859-1")["og:title"], "caf\xC3\xA9");
    EXPECT_EQ(og_of("<meta charset=\"iso-8859-1\">" + latin1)["og:title"], "caf\xC3\xA9");
    EXPECT_EQ(og_of("<title>caf\xC3\xA9</title>")["og:title"], "caf\xC3\xA9"); // UTF-8 by default
}

TEST(HtmlMeta, HostilePagesGiveBoundedValidText) {
    std::string huge = "<title>" + std::string(100000, 'a') +
                       "</title><meta "
                       "property=\"og:description\" content=\"" +
                       std::string(5000, 'b') + "\">";
    auto og = og_of(huge);
    EXPECT_LE(og["og:title"].size(), 1000u);
    EXPECT_LE(og["og:description"].size(), 500u);

    auto bad = og_of("<title>\xFF\xFE broken \xC3</title>");
    EXPECT_TRUE(myelin::util::valid_utf8(bad["og:title"]));
    EXPECT_NE(bad["og:title"].find("broken"), std::string::npos);

    std::string deep;
    for (int i = 0; i < 100000; ++i)
        deep += "<div>";
    deep += "<meta property=\"og:title\" content=\"deep\">";
    EXPECT_NO_FATAL_FAILURE(og_of(deep)); // no stack overflow; what it finds may vary
    EXPECT_TRUE(og_of("").empty());
    EXPECT_TRUE(og_of(std::string("\0\0\0<html>", 9)).size() <= 1);
}

TEST(HtmlMeta, OnlyHttpImagesAreFetched) {
    std::string image;
    og_of(R"(<meta property="og:image" content="file:///etc/passwd">)", "text/html",
          "https://example.org/", &image);
    EXPECT_EQ(image, "");
    og_of(R"x(<meta property="og:image" content="javascript:alert(1)">)x", "text/html",
          "https://example.org/", &image);
    EXPECT_EQ(image, "");
}

TEST(CleanText, CollapsesSpaceAndCutsBetweenCharacters) {
    using myelin::util::clean_text;
    EXPECT_EQ(clean_text("  a \n\t b  ", 100), "a b");
    EXPECT_EQ(clean_text("x\x01y", 100), "x y");
    EXPECT_EQ(clean_text("\xC3\xA9\xC3\xA9", 3), "\xC3\xA9"); // not half a character
    EXPECT_EQ(clean_text("a\xFF", 100), "a\xEF\xBF\xBD");
}
