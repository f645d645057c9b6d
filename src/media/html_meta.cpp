#include "media/html_meta.hpp"

#include "util/utf8.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

namespace myelin::media {

namespace {
constexpr std::size_t kMaxValue = 1000;      // bytes of any property
constexpr std::size_t kMaxDescription = 500; // bytes of the description
constexpr std::size_t kMaxProperties = 50;
constexpr std::size_t kCharsetSniff = 4096;

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The value of charset= in `s` (a Content-Type or the start of a page), or empty.
std::string charset_in(std::string_view s) {
    auto l = lower(s);
    auto at = l.find("charset=");
    if (at == std::string::npos) return {};
    at += 8;
    while (at < l.size() && (l[at] == '"' || l[at] == '\'' || l[at] == ' '))
        ++at;
    std::string name;
    while (at < l.size() && name.size() < 40 &&
           (std::isalnum(static_cast<unsigned char>(l[at])) || l[at] == '-' || l[at] == '_' ||
            l[at] == ':' || l[at] == '.'))
        name += l[at++];
    return name;
}

std::string attr(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    if (!v) return {};
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}

std::string text_of(xmlNode* n) {
    xmlChar* v = xmlNodeGetContent(n);
    if (!v) return {};
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}

bool is(xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE && n->name &&
           xmlStrcasecmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

// An http(s) URL for `ref` as the page at `base` names it, or empty.
std::string absolute(const std::string& base, const std::string& ref) {
    auto b = boost::urls::parse_uri(base);
    auto r = boost::urls::parse_uri_reference(ref);
    if (!b || !r) return {};
    boost::urls::url u(*b);
    if (!u.resolve(*r)) return {};
    if (u.scheme_id() != boost::urls::scheme::http && u.scheme_id() != boost::urls::scheme::https)
        return {};
    u.remove_fragment();
    return std::string(u.buffer());
}

struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
} // namespace

void init_html_meta() {
    xmlInitParser();
}

PageMeta parse_html_meta(std::string_view html, std::string_view content_type,
                         const std::string& page_url) {
    auto charset = charset_in(content_type);
    if (charset.empty()) charset = charset_in(html.substr(0, kCharsetSniff));
    int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                  HTML_PARSE_NONET | HTML_PARSE_COMPACT;
    auto size = static_cast<int>(std::min<std::size_t>(html.size(), INT32_MAX));
    std::unique_ptr<xmlDoc, DocFree> doc(htmlReadMemory(
        html.data(), size, page_url.c_str(), charset.empty() ? "UTF-8" : charset.c_str(), options));
    if (!doc && !charset.empty()) // a charset libxml2 does not know
        doc.reset(htmlReadMemory(html.data(), size, page_url.c_str(), "UTF-8", options));
    PageMeta out;
    if (!doc) return out;

    std::map<std::string, std::string> props; // og:*, twitter:*, description: first wins
    std::string title, first_img;
    // Depth-first without recursion: a hostile page may nest deeply.
    std::vector<xmlNode*> todo{xmlDocGetRootElement(doc.get())};
    while (!todo.empty()) {
        xmlNode* n = todo.back();
        todo.pop_back();
        if (!n) continue;
        if (is(n, "meta")) {
            auto key = attr(n, "property");
            if (key.empty()) key = attr(n, "name");
            key = lower(key);
            bool wanted =
                key.rfind("og:", 0) == 0 || key.rfind("twitter:", 0) == 0 || key == "description";
            if (wanted && props.size() < kMaxProperties && !props.count(key))
                props.emplace(key, attr(n, "content"));
        } else if (is(n, "title") && title.empty()) {
            title = text_of(n);
        } else if (is(n, "img") && first_img.empty()) {
            auto src = attr(n, "src");
            if (src.rfind("data:", 0) != 0) first_img = src;
        }
        if (is(n, "script") || is(n, "style")) continue;
        // Children pushed last first, so they come out in document order.
        std::vector<xmlNode*> kids;
        for (xmlNode* c = n->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE) kids.push_back(c);
        todo.insert(todo.end(), kids.rbegin(), kids.rend());
    }

    auto first = [&](std::initializer_list<const char*> keys) -> std::string {
        for (const char* k : keys)
            if (auto it = props.find(k); it != props.end() && !it->second.empty())
                return it->second;
        return {};
    };
    auto put = [&](const std::string& key, const std::string& v, std::size_t max) {
        auto clean = util::clean_text(v, max);
        if (!clean.empty()) out.og.emplace_back(key, std::move(clean));
    };
    auto t = first({"og:title", "twitter:title"});
    put("og:title", t.empty() ? title : t, kMaxValue);
    put("og:description", first({"og:description", "twitter:description", "description"}),
        kMaxDescription);
    for (const auto& [k, v] : props) {
        if (k.rfind("og:", 0) != 0 || k == "og:title" || k == "og:description") continue;
        if (k.rfind("og:image", 0) == 0) continue;
        put(k, v, kMaxValue);
    }
    auto image = first(
        {"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"});
    if (image.empty()) image = first_img;
    if (!image.empty() && image.size() < 4096) out.image_url = absolute(page_url, image);
    return out;
}

} // namespace myelin::media
