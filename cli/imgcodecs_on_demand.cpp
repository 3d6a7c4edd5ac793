// OpenCV's imgcodecs, loaded on first use. Debian's libopencv_imgcodecs depends on about 120 other
// libraries (GDAL, GDCM, Poppler, …): linking it makes every r2bench process spend ~0.1-0.2 s in the
// dynamic loader, ten times `eval`'s work on a small set. Only a few commands encode or read images
// with it (synth's JPEG frames, the reference runs' PNGs, report thumbnails), so r2bench defines the
// two functions its libraries call, cv::imread and cv::imencode, here: they dlopen the library on
// first use and call its own. With --as-needed the library is then not linked at all (a test checks
// it: a library that starts calling another imgcodecs function brings it back, and the function is
// to be added here).
#include <dlfcn.h>

#include <opencv2/imgcodecs.hpp>

#include <fmt/format.h>

#include "core/error.h"

namespace {

void* imgcodecs_function(const char* symbol) {
    static void* const library = [] {
        void* h = ::dlopen(R2BENCH_IMGCODECS_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) throw r2::Error(fmt::format("cannot load OpenCV's image codecs: {}", ::dlerror()));
        return h;
    }();
    void* f = ::dlsym(library, symbol);
    if (!f) throw r2::Error(fmt::format("{} has no {}", R2BENCH_IMGCODECS_SONAME, symbol));
    return f;
}

}  // namespace

namespace cv {

Mat imread(const String& filename, int flags) {
    using Function = Mat (*)(const String&, int);
    static const auto real = reinterpret_cast<Function>(
        imgcodecs_function("_ZN2cv6imreadERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEi"));
    return real(filename, flags);
}

bool imencode(const String& ext, InputArray img, std::vector<uchar>& buf, const std::vector<int>& params) {
    using Function = bool (*)(const String&, InputArray, std::vector<uchar>&, const std::vector<int>&);
    static const auto real = reinterpret_cast<Function>(imgcodecs_function(
        "_ZN2cv8imencodeERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKNS_11_InputArrayERSt6vectorIhSaIhEERKSB_IiSaIiEE"));
    return real(ext, img, buf, params);
}

}  // namespace cv
