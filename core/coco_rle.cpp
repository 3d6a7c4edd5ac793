#include "core/coco_rle.h"

#include <fmt/format.h>

#include "core/error.h"

namespace r2 {

std::vector<uint32_t> decode_rle_string(std::string_view s) {
    // maskApi.c rleFrString: each number is little-endian groups of 5 bits in characters 48..111,
    // bit 0x20 = "more follows", bit 0x10 of the last group = negative; from the fourth number
    // on, the number is the difference to the number two places back.
    std::vector<uint32_t> counts;
    size_t p = 0;
    while (p < s.size()) {
        int64_t x = 0;
        int k = 0;
        bool more = true;
        while (more) {
            if (p >= s.size()) throw Error(fmt::format("RLE counts: the last number is cut off (character {})", p));
            const int c = int(static_cast<unsigned char>(s[p])) - 48;
            if (c < 0 || c > 63) throw Error(fmt::format("RLE counts: character {} ('{}') is not one of '0'..'o'", p, s[p]));
            if (k >= 7) throw Error(fmt::format("RLE counts: number ending at character {} is too long", p));
            x |= int64_t(c & 0x1f) << (5 * k);
            more = c & 0x20;
            ++p, ++k;
            if (!more && (c & 0x10)) x |= int64_t(-1) * (int64_t(1) << (5 * k));  // sign extension
        }
        if (counts.size() > 2) x += int64_t(counts[counts.size() - 2]);
        if (x < 0 || x > int64_t(UINT32_MAX))
            throw Error(fmt::format("RLE counts: run {} has length {}", counts.size(), x));
        counts.push_back(uint32_t(x));
    }
    return counts;
}

std::string encode_rle_string(const std::vector<uint32_t>& counts) {
    std::string s;
    for (size_t i = 0; i < counts.size(); ++i) {
        int64_t x = counts[i];
        if (i > 2) x -= int64_t(counts[i - 2]);
        bool more = true;
        while (more) {
            int c = int(x & 0x1f);
            x >>= 5;  // arithmetic shift, as on long in C
            more = (c & 0x10) ? x != -1 : x != 0;
            if (more) c |= 0x20;
            s.push_back(char(c + 48));
        }
    }
    return s;
}

CocoRle parse_coco_rle(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object() || !j.contains("size") || !j.contains("counts"))
        throw Error(fmt::format("{}: expected an RLE object {{\"size\": [h, w], \"counts\": …}}", where));
    const auto& size = j["size"];
    if (!size.is_array() || size.size() != 2 || !size[0].is_number_integer() || !size[1].is_number_integer())
        throw Error(fmt::format("{}: \"size\" must be [height, width]", where));
    const int64_t h = size[0].get<int64_t>(), w = size[1].get<int64_t>();
    if (h < 0 || w < 0 || h > 65535 || w > 65535) throw Error(fmt::format("{}: size {}x{} is out of range", where, w, h));
    CocoRle rle;
    rle.height = int(h), rle.width = int(w);
    const auto& counts = j["counts"];
    if (counts.is_string()) {
        try {
            rle.counts = decode_rle_string(counts.get_ref<const std::string&>());
        } catch (const Error& e) {
            throw Error(fmt::format("{}: {}", where, e.what()));
        }
    } else if (counts.is_array()) {
        for (const auto& c : counts) {
            if (!c.is_number_integer() || c.get<int64_t>() < 0 || c.get<int64_t>() > int64_t(UINT32_MAX))
                throw Error(fmt::format("{}: \"counts\" must hold non-negative integers", where));
            rle.counts.push_back(uint32_t(c.get<int64_t>()));
        }
    } else {
        throw Error(fmt::format("{}: \"counts\" must be a string or a list of integers", where));
    }
    uint64_t total = 0;
    for (uint32_t c : rle.counts) total += c;
    if (total != uint64_t(h) * uint64_t(w))
        throw Error(fmt::format("{}: the runs cover {} pixels, the size {}x{} has {}", where, total, w, h, uint64_t(h) * uint64_t(w)));
    return rle;
}

LabelMap decode_coco_rle(const CocoRle& rle) {
    LabelMap mask(rle.width, rle.height);
    const size_t h = size_t(rle.height), w = size_t(rle.width);
    size_t index = 0;  // column-major position
    uint8_t value = 0;
    for (uint32_t run : rle.counts) {
        if (value)
            for (size_t i = index; i < index + run; ++i) mask.labels[(i % h) * w + i / h] = 1;
        index += run;
        value = !value;
    }
    return mask;
}

CocoRle encode_coco_rle(const LabelMap& mask) {
    CocoRle rle;
    rle.height = mask.height, rle.width = mask.width;
    uint8_t value = 0;
    uint32_t run = 0;
    for (int x = 0; x < mask.width; ++x)
        for (int y = 0; y < mask.height; ++y) {
            const uint8_t v = mask.at(x, y) != 0;
            if (v != value) rle.counts.push_back(run), run = 0, value = v;
            ++run;
        }
    rle.counts.push_back(run);
    return rle;
}

nlohmann::json coco_rle_json(const CocoRle& rle) {
    return {{"size", {rle.height, rle.width}}, {"counts", encode_rle_string(rle.counts)}};
}

}  // namespace r2
