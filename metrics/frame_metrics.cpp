#include "metrics/frame_metrics.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.h"

namespace r2 {

double jaccard(const BitMask& gt, const BitMask& pred) {
    const int64_t union_pixels = count_or(gt, pred);
    if (union_pixels == 0) return 1.0;
    return double(count_and(gt, pred)) / double(union_pixels);
}

namespace {

// Row shifts on packed bits. "Toward lower x": bit x receives bit x + s (0 past the end).
inline void shift_toward_lower(const uint64_t* in, uint64_t* out, int words, int s) {
    for (int i = 0; i < words; ++i) {
        const uint64_t next = i + 1 < words ? in[i + 1] : 0;
        out[i] = (in[i] >> s) | (s ? next << (64 - s) : 0);
    }
}

}  // namespace

BitMask seg2bmap(const BitMask& seg) {
    const int w = seg.width, h = seg.height, words = seg.words_per_row;
    BitMask b(w, h);
    if (w == 0 || h == 0) return b;
    std::vector<uint64_t> east(static_cast<size_t>(words)), south_east(static_cast<size_t>(words));
    for (int y = 0; y < h; ++y) {
        const uint64_t* s = seg.row(y);
        uint64_t* out = b.row(y);
        shift_toward_lower(s, east.data(), words, 1);  // e[y][x] = seg[y][x+1]
        if (y + 1 < h) {
            const uint64_t* below = seg.row(y + 1);
            shift_toward_lower(below, south_east.data(), words, 1);
            for (int i = 0; i < words; ++i)
                out[i] = (s[i] ^ east[i]) | (s[i] ^ below[i]) | (s[i] ^ south_east[i]);
        } else {
            for (int i = 0; i < words; ++i) out[i] = s[i] ^ east[i];  // b[-1, :] = seg ^ e
        }
    }
    // b[:, -1] = seg[:, -1] ^ s[:, -1], then b[-1, -1] = 0.
    const int x = w - 1;
    for (int y = 0; y < h; ++y) {
        const bool below = y + 1 < h ? seg.get(x, y + 1) : false;
        b.set(x, y, seg.get(x, y) != below);
    }
    b.set(x, h - 1, false);
    return b;
}

int boundary_radius(int width, int height, double bound_th) {
    if (bound_th >= 1) return int(bound_th);
    return int(std::ceil(bound_th * std::sqrt(double(height) * height + double(width) * width)));
}

namespace {

// Half-width of the disk on the row dy away from its centre: the largest dx with dx² + dy² <= r².
std::vector<int> disk_half_widths(int radius) {
    std::vector<int> half(size_t(radius) + 1);
    for (int dy = 0; dy <= radius; ++dy) {
        int dx = 0;
        while ((dx + 1) * (dx + 1) + dy * dy <= radius * radius) ++dx;
        half[size_t(dy)] = dx;
    }
    return half;
}

// Horizontal dilation of a packed row by `extent` pixels to each side, in place, by doubling:
// after a step of s the covered extent c becomes 2c + 1 (or stops at `extent`).
void dilate_row(uint64_t* row, int words, int extent, uint64_t last_mask, uint64_t* scratch_lo, uint64_t* scratch_hi) {
    int covered = 0;
    while (covered < extent) {
        // Dilating [-c, c] by the three points {-s, 0, s} stays one interval while s <= c + 1.
        // Word shifts take s < 64, so larger steps are split (dilations by a then b = by a + b).
        const int s = std::min({covered + 1, extent - covered, 63});
        shift_toward_lower(row, scratch_lo, words, s);
        for (int i = 0; i < words; ++i) {  // toward higher x: bit x receives bit x - s
            const uint64_t prev = i > 0 ? row[i - 1] : 0;
            scratch_hi[i] = (row[i] << s) | (prev >> (64 - s));
        }
        for (int i = 0; i < words; ++i) row[i] |= scratch_lo[i] | scratch_hi[i];
        covered += s;
    }
    row[words - 1] &= last_mask;
}

// Computes the rows of dilate_disk(targets, radius) for the rows where `wanted(y)` is true and
// hands each to `use(y, row)`.
template <class Wanted, class Use>
void dilated_rows(const BitMask& targets, int radius, Wanted wanted, Use use) {
    const int w = targets.width, h = targets.height, words = targets.words_per_row;
    if (w == 0 || h == 0) return;
    const std::vector<int> half = disk_half_widths(radius);
    // Distinct half-widths in increasing order; each row is dilated once per distinct width,
    // building each width from the previous one.
    std::vector<int> widths(half.begin(), half.end());
    std::sort(widths.begin(), widths.end());
    widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
    std::vector<int> width_slot(size_t(widths.back()) + 1, -1);
    for (size_t i = 0; i < widths.size(); ++i) width_slot[size_t(widths[i])] = int(i);

    std::vector<char> row_has_bits(size_t(h), 0);
    for (int y = 0; y < h; ++y) {
        const uint64_t* r = targets.row(y);
        for (int i = 0; i < words; ++i)
            if (r[i]) { row_has_bits[size_t(y)] = 1; break; }
    }
    // dilated[slot][y]: row y of targets dilated horizontally by widths[slot], computed lazily.
    const size_t row_words = size_t(words);
    // Only rows marked ready are ever read, so the buffer is left uninitialised.
    std::unique_ptr<uint64_t[]> dilated(new uint64_t[widths.size() * size_t(h) * row_words]);
    std::vector<char> ready(size_t(h), 0);
    std::vector<uint64_t> lo(row_words), hi(row_words), out(row_words);
    const uint64_t last_mask = targets.last_word_mask();
    auto horizontal = [&](int y) {
        if (!ready[size_t(y)]) {
            ready[size_t(y)] = 1;
            uint64_t* previous = nullptr;
            int previous_width = 0;
            for (size_t s = 0; s < widths.size(); ++s) {
                uint64_t* dst = dilated.get() + (s * size_t(h) + size_t(y)) * row_words;
                std::copy_n(previous ? previous : targets.row(y), row_words, dst);
                dilate_row(dst, words, widths[s] - previous_width, last_mask, lo.data(), hi.data());
                previous = dst;
                previous_width = widths[s];
            }
        }
    };
    for (int y = 0; y < h; ++y) {
        if (!wanted(y)) continue;
        std::fill(out.begin(), out.end(), 0);
        bool any = false;
        for (int dy = -radius; dy <= radius; ++dy) {
            const int yy = y + dy;
            if (yy < 0 || yy >= h || !row_has_bits[size_t(yy)]) continue;
            horizontal(yy);
            const int slot = width_slot[size_t(half[size_t(std::abs(dy))])];
            const uint64_t* src = dilated.get() + (size_t(slot) * size_t(h) + size_t(yy)) * row_words;
            for (size_t i = 0; i < row_words; ++i) out[i] |= src[i];
            any = true;
        }
        if (any) use(y, out.data());
    }
}

}  // namespace

BitMask dilate_disk(const BitMask& mask, int radius) {
    if (radius < 0) throw Error("dilate_disk: negative radius");
    BitMask out(mask.width, mask.height);
    dilated_rows(mask, radius, [](int) { return true; },
                 [&](int y, const uint64_t* row) { std::copy_n(row, size_t(mask.words_per_row), out.row(y)); });
    return out;
}

namespace {

// True when row has a set bit in [x0, x1] (inclusive, both inside the row).
inline bool any_in_span(const uint64_t* row, int x0, int x1) {
    const int w0 = x0 >> 6, w1 = x1 >> 6;
    const uint64_t from_x0 = ~uint64_t(0) << (x0 & 63);
    const uint64_t to_x1 = ~uint64_t(0) >> (63 - (x1 & 63));
    if (w0 == w1) return row[w0] & from_x0 & to_x1;
    if (row[w0] & from_x0) return true;
    for (int w = w0 + 1; w < w1; ++w)
        if (row[w]) return true;
    return row[w1] & to_x1;
}

// Sparse path: for each point, look for a target in the disk row by row, nearest rows first.
int64_t count_within_by_points(const BitMask& points, const BitMask& targets, int radius,
                               const std::vector<char>& target_rows) {
    const std::vector<int> half = disk_half_widths(radius);
    const int w = points.width, h = points.height;
    int64_t n = 0;
    for (int y = 0; y < h; ++y) {
        const uint64_t* p = points.row(y);
        for (int i = 0; i < points.words_per_row; ++i) {
            for (uint64_t bits = p[i]; bits; bits &= bits - 1) {
                const int x = i * 64 + __builtin_ctzll(bits);
                bool found = false;
                for (int d = 0; d <= radius && !found; ++d) {
                    const int x0 = std::max(0, x - half[size_t(d)]), x1 = std::min(w - 1, x + half[size_t(d)]);
                    for (int yy : {y - d, y + d}) {
                        if (yy < 0 || yy >= h || !target_rows[size_t(yy)]) continue;
                        if (any_in_span(targets.row(yy), x0, x1)) { found = true; break; }
                        if (d == 0) break;
                    }
                }
                n += found;
            }
        }
    }
    return n;
}

std::vector<char> nonzero_rows(const BitMask& m, int64_t* count_rows) {
    std::vector<char> rows(size_t(m.height), 0);
    int64_t n = 0;
    for (int y = 0; y < m.height; ++y) {
        const uint64_t* r = m.row(y);
        for (int i = 0; i < m.words_per_row; ++i)
            if (r[i]) { rows[size_t(y)] = 1; ++n; break; }
    }
    if (count_rows) *count_rows = n;
    return rows;
}

}  // namespace

int64_t count_within(const BitMask& points, const BitMask& targets, int radius) {
    if (points.width != targets.width || points.height != targets.height)
        throw Error("count_within: masks differ in size");
    int64_t point_rows = 0;
    const std::vector<char> point_row_set = nonzero_rows(points, &point_rows);
    // Boundaries of real objects are sparse: a few pixels per row. Then probing the disk around
    // each point is far cheaper than dilating whole rows; dense (noisy) masks take the row path,
    // whose cost does not depend on the content.
    const int64_t n_points = count(points);
    if (n_points <= 4 * point_rows * points.words_per_row)
        return count_within_by_points(points, targets, radius, nonzero_rows(targets, nullptr));

    int64_t n = 0;
    const int words = points.words_per_row;
    dilated_rows(
        targets, radius, [&](int y) { return point_row_set[size_t(y)] != 0; },
        [&](int y, const uint64_t* row) {
            const uint64_t* p = points.row(y);
            for (int i = 0; i < words; ++i) n += __builtin_popcountll(p[i] & row[i]);
        });
    return n;
}

BoundaryScore boundary_f(const BitMask& gt, const BitMask& pred, double bound_th) {
    if (gt.width != pred.width || gt.height != pred.height)
        throw Error("boundary_f: ground truth and prediction differ in size");
    const int radius = boundary_radius(gt.width, gt.height, bound_th);
    const BitMask fg_boundary = seg2bmap(pred);
    const BitMask gt_boundary = seg2bmap(gt);
    const int64_t n_fg = count(fg_boundary);
    const int64_t n_gt = count(gt_boundary);

    BoundaryScore s;
    if (n_fg == 0 && n_gt > 0) {
        s.precision = 1, s.recall = 0;
    } else if (n_fg > 0 && n_gt == 0) {
        s.precision = 0, s.recall = 1;
    } else if (n_fg == 0 && n_gt == 0) {
        s.precision = 1, s.recall = 1;
    } else {
        s.precision = double(count_within(fg_boundary, gt_boundary, radius)) / double(n_fg);
        s.recall = double(count_within(gt_boundary, fg_boundary, radius)) / double(n_gt);
    }
    s.f = (s.precision + s.recall == 0) ? 0.0 : 2 * s.precision * s.recall / (s.precision + s.recall);
    return s;
}

}  // namespace r2
