#include "media/thumbnailer.hpp"

#include <spdlog/spdlog.h>
#include <vips/vips.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace myelin::media {

namespace {
using Kind = ThumbnailError::Kind;
using Clock = std::chrono::steady_clock;

// The file loaders vips_foreign_find_load() may name for an image we decode.
constexpr std::string_view kLoaders[] = {"VipsForeignLoadJpegFile", "VipsForeignLoadPngFile",
                                         "VipsForeignLoadWebpFile", "VipsForeignLoadNsgifFile"};
// Every loader class is blocked but these (the parents of the file loaders above).
constexpr const char* kLoaderClasses[] = {"VipsForeignLoadJpeg", "VipsForeignLoadPng",
                                          "VipsForeignLoadWebp", "VipsForeignLoadNsgif"};

struct Unref {
    void operator()(VipsImage* im) const { g_object_unref(im); }
};
using ImagePtr = std::unique_ptr<VipsImage, Unref>;

std::string vips_message() {
    std::string m = vips_error_buffer();
    vips_error_clear();
    while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
        m.pop_back();
    return m;
}

struct RegionUnref {
    void operator()(VipsRegion* r) const { g_object_unref(r); }
};

// Evaluates `lazy` into a memory image strip by strip, giving up past `deadline`. What the
// encoders need of its metadata (the frames of an animation) is carried over.
ImagePtr compute(VipsImage* lazy, Clock::time_point deadline) {
    constexpr int kStrip = 8;
    const int w = vips_image_get_width(lazy), h = vips_image_get_height(lazy);
    const auto line = static_cast<std::size_t>(VIPS_IMAGE_SIZEOF_LINE(lazy));
    std::vector<unsigned char> pixels(line * static_cast<std::size_t>(h));
    std::unique_ptr<VipsRegion, RegionUnref> region(vips_region_new(lazy));
    for (int y = 0; y < h; y += kStrip) {
        if (Clock::now() > deadline)
            throw ThumbnailError(Kind::timed_out, "Thumbnailing took too long");
        VipsRect r{0, y, w, std::min(kStrip, h - y)};
        if (vips_region_prepare(region.get(), &r) != 0)
            throw ThumbnailError(Kind::undecodable, "Cannot decode the image: " + vips_message());
        for (int row = 0; row < r.height; ++row)
            std::memcpy(&pixels[line * static_cast<std::size_t>(y + row)],
                        VIPS_REGION_ADDR(region.get(), 0, y + row), line);
    }
    region.reset();
    ImagePtr mem(vips_image_new_from_memory_copy(pixels.data(), pixels.size(), w, h,
                                                 vips_image_get_bands(lazy),
                                                 vips_image_get_format(lazy)));
    if (!mem) throw ThumbnailError(Kind::undecodable, "Cannot copy the image: " + vips_message());
    mem->Type = vips_image_get_interpretation(lazy);
    if (vips_image_get_typeof(lazy, "page-height"))
        vips_image_set_int(mem.get(), "page-height", vips_image_get_page_height(lazy));
    int loop = 0;
    if (vips_image_get_typeof(lazy, "loop") && vips_image_get_int(lazy, "loop", &loop) == 0)
        vips_image_set_int(mem.get(), "loop", loop);
    int* delay = nullptr;
    int n = 0;
    if (vips_image_get_typeof(lazy, "delay") &&
        vips_image_get_array_int(lazy, "delay", &delay, &n) == 0)
        vips_image_set_array_int(mem.get(), "delay", delay, n);
    return mem;
}

struct Header {
    ImagePtr image;
    std::size_t loader; // its index in kLoaders
};

// The header alone (sizes are known before a pixel is decoded), of a file one of kLoaders
// reads; ThumbnailError otherwise.
Header open_header(const std::string& path) {
    init_thumbnailer();
    const char* name = vips_foreign_find_load(path.c_str());
    std::size_t loader = std::size(kLoaders);
    for (std::size_t i = 0; name && i < std::size(kLoaders); ++i)
        if (kLoaders[i] == name) loader = i;
    if (loader == std::size(kLoaders)) {
        vips_error_clear();
        throw ThumbnailError(Kind::not_an_image, "Cannot generate thumbnails for this content");
    }
    ImagePtr head(vips_image_new_from_file(path.c_str(), nullptr));
    if (!head) throw ThumbnailError(Kind::undecodable, "Cannot read the image: " + vips_message());
    return {std::move(head), loader};
}
ImagePtr resize(const std::string& spec, int width, int height, bool crop) {
    VipsImage* raw = nullptr;
    if (vips_thumbnail(spec.c_str(), &raw, width, "height", height, "size", VIPS_SIZE_DOWN, "crop",
                       crop ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE, "fail_on",
                       VIPS_FAIL_ON_TRUNCATED, nullptr) != 0)
        throw ThumbnailError(Kind::undecodable, "Cannot decode the image: " + vips_message());
    return ImagePtr(raw);
}

// An animation cropped frame by frame (libvips' crop would cut the strip of frames as one
// image): scaled to cover the size, then each frame's centre cut out and the frames rejoined.
ImagePtr crop_frames(const std::string& path, ThumbnailSize size, std::int64_t w, std::int64_t h) {
    double scale =
        std::min(1.0, std::max(double(size.width) / double(w), double(size.height) / double(h)));
    int cover_w = std::max(1, int(std::lround(double(w) * scale)));
    int cover_h = std::max(1, int(std::lround(double(h) * scale)));
    auto strip = resize(path + "[n=-1]", cover_w, cover_h, false);
    const int page_h = vips_image_get_page_height(strip.get());
    const int page_w = vips_image_get_width(strip.get());
    const int pages = vips_image_get_height(strip.get()) / page_h;
    const int cw = std::min(size.width, page_w), ch = std::min(size.height, page_h);
    std::vector<ImagePtr> frames;
    std::vector<VipsImage*> raw;
    for (int i = 0; i < pages; ++i) {
        VipsImage* f = nullptr;
        if (vips_extract_area(strip.get(), &f, (page_w - cw) / 2, i * page_h + (page_h - ch) / 2,
                              cw, ch, nullptr) != 0)
            throw ThumbnailError(Kind::undecodable, "Cannot crop the frames: " + vips_message());
        frames.emplace_back(f);
        raw.push_back(f);
    }
    VipsImage* joined = nullptr;
    if (vips_arrayjoin(raw.data(), &joined, pages, "across", 1, nullptr) != 0)
        throw ThumbnailError(Kind::undecodable, "Cannot join the frames: " + vips_message());
    vips_image_set_int(joined, "page-height", ch);
    return ImagePtr(joined);
}
} // namespace

void init_thumbnailer() {
    static std::once_flag once;
    std::call_once(once, [] {
        // libvips' warnings (a damaged file, say) are the answer's business, not the log's.
        g_log_set_handler(
            "VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
            [](const gchar*, GLogLevelFlags, const gchar* message, gpointer) {
                spdlog::debug("libvips: {}", message);
            },
            nullptr);
        if (VIPS_INIT("myelin") != 0) throw std::runtime_error("libvips: " + vips_message());
        vips_cache_set_max(0);   // each thumbnail is made once and stored: nothing to reuse
        vips_concurrency_set(1); // one worker thread per thumbnail: the pool bounds the CPU
        vips_operation_block_set("VipsForeignLoad", TRUE);
        for (const char* c : kLoaderClasses)
            vips_operation_block_set(c, FALSE);
    });
}

Thumbnail make_thumbnail(const std::filesystem::path& source, ThumbnailSize size, bool animated,
                         const ThumbnailLimits& limits) {
    const std::string path = source.string();
    auto [head, loader] = open_header(path);
    bool jpeg = loader == 0;
    std::int64_t w = vips_image_get_width(head.get()), h = vips_image_get_height(head.get());
    std::int64_t pages = std::max(1, vips_image_get_n_pages(head.get()));
    head.reset();
    if (w * h > limits.max_pixels)
        throw ThumbnailError(Kind::too_large, "The image has too many pixels to thumbnail");
    bool keep_frames = animated && pages > 1 && !jpeg;
    if (keep_frames && w * h * pages > limits.max_animated_pixels) keep_frames = false;

    ImagePtr lazy = keep_frames && size.method == ThumbnailMethod::crop
                        ? crop_frames(path, size, w, h)
                        : resize(keep_frames ? path + "[n=-1]" : path, size.width, size.height,
                                 size.method == ThumbnailMethod::crop);

    // The pixels are computed here, a few rows at a time (the decode and the resize: the slow
    // part), with the deadline checked between strips; encoding the small result afterwards is
    // quick. (libvips' own progress signal is not emitted for these pipelines.)
    ImagePtr out = compute(lazy.get(), Clock::now() + limits.timeout);
    lazy.reset();

    Thumbnail t;
    void* buf = nullptr;
    std::size_t len = 0;
    int rc;
    if (keep_frames) {
        t.content_type = "image/webp";
        rc = vips_webpsave_buffer(out.get(), &buf, &len, "Q", 75, "strip", TRUE, nullptr);
    } else if (jpeg && !vips_image_hasalpha(out.get())) {
        t.content_type = "image/jpeg";
        rc = vips_jpegsave_buffer(out.get(), &buf, &len, "Q", 80, "strip", TRUE, nullptr);
    } else {
        t.content_type = "image/png";
        rc = vips_pngsave_buffer(out.get(), &buf, &len, "strip", TRUE, nullptr);
    }
    if (rc != 0) throw ThumbnailError(Kind::undecodable, "Cannot encode: " + vips_message());
    t.bytes.assign(static_cast<const char*>(buf), len);
    g_free(buf);
    t.width = vips_image_get_width(out.get());
    t.height =
        keep_frames ? vips_image_get_page_height(out.get()) : vips_image_get_height(out.get());
    return t;
}

ImageInfo probe_image(const std::filesystem::path& source) {
    auto [head, loader] = open_header(source.string());
    ImageInfo info;
    info.width = vips_image_get_width(head.get());
    info.height = vips_image_get_page_height(head.get());
    int orientation = 1;
    if (vips_image_get_typeof(head.get(), VIPS_META_ORIENTATION))
        vips_image_get_int(head.get(), VIPS_META_ORIENTATION, &orientation);
    if (orientation >= 5 && orientation <= 8) std::swap(info.width, info.height);
    static constexpr const char* kTypes[] = {"image/jpeg", "image/png", "image/webp", "image/gif"};
    info.content_type = kTypes[loader];
    return info;
}

} // namespace myelin::media
