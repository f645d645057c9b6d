// Thumbnails with libvips: the snapped sizes, both methods, output types, and what is refused
// (not an image, a blocked format, a truncated file, too many pixels, too slow).
#include "media/thumbnailer.hpp"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <filesystem>
#include <fstream>

using namespace myelin::media;
namespace fs = std::filesystem;

namespace {
class Thumbnailer : public ::testing::Test {
protected:
    void SetUp() override {
        init_thumbnailer();
        dir_ = fs::temp_directory_path() / ("myelin-thumb-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A w x h RGB(A) image with some structure (a gradient), saved as `name`.
    fs::path image(const std::string& name, int w, int h, int bands = 3) {
        VipsImage* xyz = nullptr;
        EXPECT_EQ(vips_xyz(&xyz, w, h, nullptr), 0);
        VipsImage* bandsel = nullptr;
        VipsImage* extra = nullptr;
        EXPECT_EQ(vips_extract_band(xyz, &bandsel, 0, nullptr), 0);
        VipsImage* channels[4] = {bandsel, bandsel, bandsel, bandsel};
        EXPECT_EQ(vips_bandjoin(channels, &extra, bands, nullptr), 0);
        VipsImage* u8 = nullptr;
        EXPECT_EQ(vips_cast_uchar(extra, &u8, nullptr), 0);
        auto path = dir_ / name;
        EXPECT_EQ(vips_image_write_to_file(u8, path.c_str(), nullptr), 0) << vips_error_buffer();
        for (auto* im : {xyz, bandsel, extra, u8})
            g_object_unref(im);
        return path;
    }
    fs::path file(const std::string& name, const std::string& bytes) {
        auto path = dir_ / name;
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
    static ThumbnailError::Kind refusal(const fs::path& p, ThumbnailLimits limits = {}) {
        try {
            make_thumbnail(p, {96, 96, ThumbnailMethod::crop}, false, limits);
        } catch (const ThumbnailError& e) {
            return e.kind;
        }
        ADD_FAILURE() << "no error for " << p;
        return ThumbnailError::Kind::undecodable;
    }
    fs::path dir_;
};
} // namespace

TEST(ThumbnailSizes, RequestsSnapToTheGeneratedSizes) {
    using M = ThumbnailMethod;
    EXPECT_EQ(snap_thumbnail_size(32, 32, M::crop), (ThumbnailSize{32, 32, M::crop}));
    EXPECT_EQ(snap_thumbnail_size(40, 33, M::crop), (ThumbnailSize{96, 96, M::crop}));
    EXPECT_EQ(snap_thumbnail_size(1, 1, M::scale), (ThumbnailSize{320, 240, M::scale}));
    EXPECT_EQ(snap_thumbnail_size(600, 400, M::scale), (ThumbnailSize{640, 480, M::scale}));
    // A crop larger than any crop size: the smallest scale that covers it.
    EXPECT_EQ(snap_thumbnail_size(200, 200, M::crop), (ThumbnailSize{320, 240, M::scale}));
    // Larger than everything: the largest.
    EXPECT_EQ(snap_thumbnail_size(4000, 3000, M::scale), (ThumbnailSize{800, 600, M::scale}));
}

TEST_F(Thumbnailer, ScaleFitsInsideAndCropFillsExactly) {
    auto jpg = image("wide.jpg", 1000, 500);
    auto scaled = make_thumbnail(jpg, {320, 240, ThumbnailMethod::scale}, false, {});
    EXPECT_EQ(scaled.content_type, "image/jpeg");
    EXPECT_EQ(scaled.width, 320);
    EXPECT_EQ(scaled.height, 160);
    EXPECT_EQ(scaled.bytes.substr(0, 3), "\xFF\xD8\xFF");
    auto cropped = make_thumbnail(jpg, {96, 96, ThumbnailMethod::crop}, false, {});
    EXPECT_EQ(cropped.width, 96);
    EXPECT_EQ(cropped.height, 96);
    // Never enlarged.
    auto small =
        make_thumbnail(image("small.jpg", 50, 40), {320, 240, ThumbnailMethod::scale}, false, {});
    EXPECT_EQ(small.width, 50);
    EXPECT_EQ(small.height, 40);
}

TEST_F(Thumbnailer, PngAndGifGivePngWhateverTheName) {
    // A PNG with alpha saved under a misleading name: the bytes decide.
    auto png = image("alpha.png", 300, 300, 4);
    fs::rename(png, dir_ / "looks-like.jpg");
    auto t = make_thumbnail(dir_ / "looks-like.jpg", {96, 96, ThumbnailMethod::crop}, false, {});
    EXPECT_EQ(t.content_type, "image/png");
    EXPECT_EQ(t.bytes.substr(1, 3), "PNG");
    auto gif =
        make_thumbnail(image("still.gif", 200, 100), {96, 96, ThumbnailMethod::crop}, true, {});
    EXPECT_EQ(gif.content_type, "image/png"); // one frame: nothing to animate
}

TEST_F(Thumbnailer, RefusesWhatIsNotADecodableImage) {
    using K = ThumbnailError::Kind;
    EXPECT_EQ(refusal(file("notes.txt", "just some text, not an image")), K::not_an_image);
    // SVG and TIFF decode with libvips, but their loaders are blocked here.
    EXPECT_EQ(refusal(file("x.svg", "<svg xmlns='http://www.w3.org/2000/svg' width='10' "
                                    "height='10'><rect width='10' height='10'/></svg>")),
              K::not_an_image);
    EXPECT_EQ(refusal(image("x.tif", 20, 20)), K::not_an_image);
    // A JPEG cut in half.
    auto jpg = image("whole.jpg", 800, 800);
    std::ifstream in(jpg, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(refusal(file("half.jpg", bytes.substr(0, bytes.size() / 2))), K::undecodable);
}

TEST_F(Thumbnailer, TooManyPixelsIsRefusedBeforeDecoding) {
    ThumbnailLimits limits;
    limits.max_pixels = 100 * 100;
    EXPECT_EQ(refusal(image("big.png", 101, 100), limits), ThumbnailError::Kind::too_large);
    EXPECT_NO_THROW(
        make_thumbnail(image("ok.png", 100, 100), {32, 32, ThumbnailMethod::crop}, false, limits));
}

TEST_F(Thumbnailer, TooSlowIsAbandoned) {
    ThumbnailLimits limits;
    limits.timeout = std::chrono::milliseconds(0);
    EXPECT_EQ(refusal(image("slow.png", 3000, 3000), limits), ThumbnailError::Kind::timed_out);
}
