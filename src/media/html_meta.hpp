#pragma once
// What a URL preview shows of an HTML page: its OpenGraph properties, with <title>, the
// description <meta> and Twitter's cards as fallbacks, and the URL of the image to show.
// Pure: parses bytes already fetched (libxml2's forgiving HTML parser, never the network).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace myelin::media {

struct PageMeta {
    // og:title, og:description and the other og:* properties (not og:image*, which the
    // preview fills from the image it stored), cleaned and bounded.
    std::vector<std::pair<std::string, std::string>> og;
    std::string image_url; // absolute http(s) URL, or empty
};

// Initializes libxml2; once, before any parse_html_meta (which may run on any thread).
void init_html_meta();

// `content_type` may name the charset; else a <meta> charset in the first bytes, else UTF-8.
PageMeta parse_html_meta(std::string_view html, std::string_view content_type,
                         const std::string& page_url);

} // namespace myelin::media
