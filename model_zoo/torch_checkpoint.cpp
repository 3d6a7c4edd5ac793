#include "model_zoo/torch_checkpoint.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <zip.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/wording.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

// ---- values the restricted unpickler can build ------------------------------------------------

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Storage {
    std::string key;
    DType dtype = DType::F32;
    int64_t numel = 0;
};

struct TensorRef {
    std::shared_ptr<Storage> storage;
    int64_t offset = 0;
    std::vector<int64_t> size, stride;
};

struct Value {
    enum Kind { none, boolean, integer, real, text, bytes, list, tuple, dict, global, storage, tensor, skipped, mark } kind = none;
    int depth = 0;        // 0 for a scalar, 1 + the deepest child for a container
    bool sealed = false;  // stored in a container: no longer changed (see Unpickler::adopt)
    int64_t i = 0;
    double d = 0;
    std::string s;                                   // text, bytes, global "module.name", skipped type
    std::vector<ValuePtr> items;                     // list, tuple
    std::vector<std::pair<ValuePtr, ValuePtr>> map;  // dict, in insertion order
    std::shared_ptr<Storage> st;
    std::shared_ptr<TensorRef> t;
};


std::optional<DType> storage_dtype(const std::string& global) {
    static const std::map<std::string, DType> types = {
        {"torch.FloatStorage", DType::F32}, {"torch.HalfStorage", DType::F16},  {"torch.BFloat16Storage", DType::BF16},
        {"torch.DoubleStorage", DType::F64}, {"torch.LongStorage", DType::I64}, {"torch.IntStorage", DType::I32},
        {"torch.ShortStorage", DType::I16}, {"torch.CharStorage", DType::I8},   {"torch.ByteStorage", DType::U8},
        {"torch.BoolStorage", DType::BOOL}};
    const auto it = types.find(global);
    return it == types.end() ? std::nullopt : std::optional<DType>(it->second);
}

// Far beyond any real checkpoint (a state dict nests 3 or 4 deep), and low enough that destroying
// the values, which recurses once per level, cannot run out of stack.
constexpr int kMaxDepth = 1000;
// A state dict needs about 20 values per tensor (key, storage id, sizes, strides...), so even a
// training checkpoint with optimizer state stays under 100,000. A deflated pickle of a few KB can
// ask for millions (one byte each), which would cost gigabytes: refuse it before allocating them.
constexpr size_t kMaxValues = 1000000;

class Unpickler {
public:
    Unpickler(std::string_view data, std::string name) : data_(data), name_(std::move(name)) {}
    std::vector<std::string> warnings;

    ValuePtr run() {
        while (true) {
            const uint8_t op = byte();
            switch (op) {
                case 0x80: byte(); break;                      // PROTO
                case 0x95: take(8); break;                     // FRAME
                case '.': return pop();                        // STOP
                case '(': stack_.push_back(make(Value::mark)); break;
                case '}': stack_.push_back(make(Value::dict)); break;
                case ']': stack_.push_back(make(Value::list)); break;
                case ')': stack_.push_back(make(Value::tuple)); break;
                case 'N': stack_.push_back(make(Value::none)); break;
                case 0x88: case 0x89: { auto v = make(Value::boolean); v->i = op == 0x88; stack_.push_back(v); break; }
                case 'J': push_int(int32_t(le(4))); break;
                case 'K': push_int(int64_t(le(1))); break;
                case 'M': push_int(int64_t(le(2))); break;
                case 0x8a: push_int(long_bytes(byte())); break;  // LONG1
                case 0x8b: push_int(long_bytes(size_t(le(4)))); break;
                case 'G': { uint64_t b = 0; for (int k = 0; k < 8; ++k) b = (b << 8) | byte(); auto v = make(Value::real); std::memcpy(&v->d, &b, 8); stack_.push_back(v); break; }
                case 'X': push_text(Value::text, size_t(le(4))); break;
                case 0x8c: push_text(Value::text, byte()); break;
                case 0x8d: push_text(Value::text, size_t(le(8))); break;
                case 'T': push_text(Value::text, size_t(le(4))); break;
                case 'U': push_text(Value::text, byte()); break;
                case 'B': push_text(Value::bytes, size_t(le(4))); break;
                case 'C': push_text(Value::bytes, byte()); break;
                case 0x8e: push_text(Value::bytes, size_t(le(8))); break;
                case 'q': memo_[le(1)] = top(); break;
                case 'r': memo_[le(4)] = top(); break;
                case 0x94: memo_[memo_.size()] = top(); break;
                case 'h': get(le(1)); break;
                case 'j': get(le(4)); break;
                case 'c': { std::string module = line(), name = line(); auto v = make(Value::global); v->s = module + "." + name; stack_.push_back(v); break; }
                case 0x93: { auto name = pop(), module = pop(); auto v = make(Value::global); v->s = module->s + "." + name->s; stack_.push_back(v); break; }
                case 't': { auto v = make(Value::tuple); append(v, pop_mark()); stack_.push_back(v); break; }
                case 'l': { auto v = make(Value::list); append(v, pop_mark()); stack_.push_back(v); break; }
                case 'd': { auto items = pop_mark(); auto v = make(Value::dict); for (size_t k = 0; k + 1 < items.size(); k += 2) set_item(v, items[k], items[k + 1]); stack_.push_back(v); break; }
                case 0x85: case 0x86: case 0x87: {
                    std::vector<ValuePtr> items(op - 0x84);
                    for (size_t k = items.size(); k > 0; --k) items[k - 1] = pop();
                    auto v = make(Value::tuple);
                    append(v, items);
                    stack_.push_back(v);
                    break;
                }
                case 'a': { auto x = pop(); append(top(), {x}); break; }
                case 'e': { auto items = pop_mark(); append(top(), items); break; }
                case 's': { auto value = pop(), key = pop(); set_item(top(), key, value); break; }
                case 'u': { auto items = pop_mark(); for (size_t k = 0; k + 1 < items.size(); k += 2) set_item(top(), items[k], items[k + 1]); break; }
                case 0x8f: stack_.push_back(make(Value::list)); break;  // EMPTY_SET, kept as a list
                case 0x90: { auto items = pop_mark(); append(top(), items); break; }
                case 'Q': { auto pid = pop(); stack_.push_back(persistent(pid)); break; }
                case 'R': { auto args = pop(), callable = pop(); stack_.push_back(reduce(callable, args)); break; }
                case 0x81: { auto args = pop(), cls = pop(); stack_.push_back(skip(cls->s, "NEWOBJ")); (void)args; break; }
                case 'b': pop(); break;  // BUILD: state of an object we do not build (or an OrderedDict's extras)
                default: fail(fmt::format("unsupported pickle opcode 0x{:02x} at byte {}", op, pos_ - 1));
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& problem) { throw FileError(name_, "checkpoint pickle: " + problem); }
    ValuePtr make(Value::Kind k) {
        if (++values_made_ > kMaxValues) fail(fmt::format("more than {} values (a state dict needs far fewer)", kMaxValues));
        auto v = std::make_shared<Value>();
        v->kind = k;
        return v;
    }
    uint8_t byte() {
        if (pos_ >= data_.size()) fail("truncated");
        return uint8_t(data_[pos_++]);
    }
    std::string_view take(size_t n) {
        if (n > data_.size() - pos_) fail("truncated");
        const auto s = data_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    uint64_t le(int n) {
        uint64_t v = 0;
        for (int k = 0; k < n; ++k) v |= uint64_t(byte()) << (8 * k);
        return v;
    }
    int64_t long_bytes(size_t n) {
        if (n > 8) fail("integer wider than 64 bits");
        uint64_t v = 0;
        for (size_t k = 0; k < n; ++k) v |= uint64_t(byte()) << (8 * k);
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t(0) << (8 * n);  // sign-extend
        return int64_t(v);
    }
    std::string line() {
        const size_t end = data_.find('\n', pos_);
        if (end == std::string_view::npos) fail("truncated GLOBAL");
        std::string s(data_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return s;
    }
    void push_int(int64_t i) { auto v = make(Value::integer); v->i = i; stack_.push_back(v); }
    void push_text(Value::Kind k, size_t n) { auto v = make(k); v->s = std::string(take(n)); stack_.push_back(v); }
    ValuePtr pop() {
        if (stack_.empty()) fail("stack underflow");
        auto v = stack_.back();
        stack_.pop_back();
        return v;
    }
    ValuePtr top() {
        if (stack_.empty()) fail("stack underflow");
        return stack_.back();
    }
    void get(uint64_t index) {
        const auto it = memo_.find(index);
        if (it == memo_.end()) fail(fmt::format("memo {} used before it was set", index));
        stack_.push_back(it->second);
    }
    std::vector<ValuePtr> pop_mark() {
        std::vector<ValuePtr> items;
        while (true) {
            auto v = pop();
            if (v->kind == Value::mark) break;
            items.push_back(v);
        }
        return {items.rbegin(), items.rend()};
    }
    // Every child enters its container here. A value stored in a container is never changed again
    // (a pickle of a state dict builds each container completely before storing it), which keeps
    // `depth` exact and makes cycles impossible: shared_ptr would never free one. Nesting is capped
    // because a pickle of a few KB can nest millions deep, and destroying that recursion would run
    // out of stack.
    void adopt(Value& parent, const ValuePtr& child) {
        if (parent.sealed) fail("a container is changed after it was stored in another (recursive data is not a state dict)");
        if (child.get() == &parent) fail("a container holds itself (recursive data is not a state dict)");
        child->sealed = true;
        parent.depth = std::max(parent.depth, child->depth + 1);
        if (parent.depth > kMaxDepth) fail(fmt::format("values nested more than {} deep", kMaxDepth));
    }
    void append(const ValuePtr& target, const std::vector<ValuePtr>& items) {
        for (const auto& x : items) adopt(*target, x);
        target->depth = std::max(target->depth, 1);
        target->items.insert(target->items.end(), items.begin(), items.end());
    }
    void set_item(const ValuePtr& target, const ValuePtr& key, const ValuePtr& value) {
        if (target->kind != Value::dict) return;  // items set on a skipped object are dropped with it
        adopt(*target, key);
        adopt(*target, value);
        target->map.emplace_back(key, value);
    }
    ValuePtr skip(const std::string& type, const char* how) {
        warnings.push_back(fmt::format("skipped an object of type {} ({}); it is not needed for the weights", type, how));
        auto v = make(Value::skipped);
        v->s = type;
        return v;
    }
    ValuePtr persistent(const ValuePtr& pid) {
        // ('storage', torch.FloatStorage, key, location, numel)
        if (pid->kind != Value::tuple || pid->items.size() < 5 || pid->items[0]->s != "storage")
            fail("unknown persistent id (not a storage)");
        const auto dtype = storage_dtype(pid->items[1]->s);
        if (!dtype) fail(fmt::format("unsupported storage type {}", pid->items[1]->s));
        const ValuePtr& key = pid->items[2];
        const ValuePtr& numel = pid->items[4];
        if (key->kind != Value::text || key->s.empty()) fail("a storage key is not a name");
        if (numel->kind != Value::integer || numel->i < 0) fail(fmt::format("storage {} has no element count, or a negative one", key->s));
        auto& storage = storages_[key->s];
        if (!storage) storage = std::make_shared<Storage>(Storage{key->s, *dtype, numel->i});
        if (storage->dtype != *dtype || storage->numel != numel->i)
            fail(fmt::format("storage {} is described twice, differently", key->s));
        auto v = make(Value::storage);
        v->st = storage;
        return v;
    }
    ValuePtr reduce(const ValuePtr& callable, const ValuePtr& args) {
        const std::string& f = callable->s;
        if (f == "torch._utils._rebuild_tensor_v2" || f == "torch._utils._rebuild_tensor") {
            // (storage, storage_offset, size, stride, ...); the numbers are checked against the storage
            // when the tensor is copied out (copy_tensor).
            const auto& a = args->items;
            if (args->kind != Value::tuple || a.size() < 4 || a[0]->kind != Value::storage || a[1]->kind != Value::integer ||
                a[2]->kind != Value::tuple || a[3]->kind != Value::tuple || a[2]->items.size() != a[3]->items.size())
                fail("malformed tensor (expected storage, offset, and a size and a stride of as many dimensions)");
            auto t = std::make_shared<TensorRef>();
            t->storage = a[0]->st;
            t->offset = a[1]->i;
            for (size_t d = 0; d < a[2]->items.size(); ++d) {
                if (a[2]->items[d]->kind != Value::integer || a[3]->items[d]->kind != Value::integer)
                    fail("malformed tensor (a size or a stride is not an integer)");
                t->size.push_back(a[2]->items[d]->i);
                t->stride.push_back(a[3]->items[d]->i);
            }
            auto v = make(Value::tensor);
            v->t = t;
            return v;
        }
        if (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state") {
            if (args->kind != Value::tuple || args->items.empty()) fail("malformed parameter");
            return args->items[0];
        }
        if (f == "collections.OrderedDict" || f == "builtins.dict") return make(Value::dict);
        return skip(f, "REDUCE");
    }

    std::string_view data_;
    std::string name_;
    size_t pos_ = 0;
    size_t values_made_ = 0;
    std::vector<ValuePtr> stack_;
    std::map<uint64_t, ValuePtr> memo_;
    std::map<std::string, std::shared_ptr<Storage>> storages_;
};

std::string key_text(const ValuePtr& v) { return v->kind == Value::integer ? std::to_string(v->i) : v->s; }

bool holds_tensors(const ValuePtr& v) {
    if (v->kind != Value::dict || v->map.empty()) return false;
    for (const auto& [k, x] : v->map)
        if (x->kind == Value::tensor) return true;
    return false;
}

// "; its top-level entries: 'args' (an object), 'model' (a dict of 322 tensors), …" so that
// --key can be picked without Python.
std::string describe_entries(const ValuePtr& root) {
    if (root->kind != Value::dict) return "; its top level is not a dict";
    if (root->map.empty()) return "; its top-level dict is empty";
    std::string text = "; its top-level entries:";
    size_t shown = 0;
    for (const auto& [k, v] : root->map) {
        if (++shown > 20) {
            text += fmt::format(" … and {} more", root->map.size() - 20);
            break;
        }
        std::string what;
        if (v->kind == Value::tensor) what = "a tensor";
        else if (v->kind == Value::dict) {
            size_t tensors = 0;
            for (const auto& entry : v->map) tensors += entry.second->kind == Value::tensor;
            what = "a dict of " + (tensors ? plural(int64_t(tensors), "tensor") : plural(int64_t(v->map.size()), "entry", "entries"));
        } else if (v->kind == Value::integer || v->kind == Value::real) what = "a number";
        else if (v->kind == Value::skipped) what = "an object, skipped";
        else what = "another value";
        text += fmt::format("{} '{}' ({})", shown == 1 ? "" : ",", key_text(k), what);
    }
    return text;
}

// Copies a (possibly strided) view out of its storage into contiguous bytes. Every number comes
// from the file, so each is checked, and every product and sum is computed with overflow checks,
// before a byte is read: a 2^62-element storage whose byte count wraps to 0 must not pass.
std::string copy_tensor(const TensorRef& t, const std::string& bytes, const std::string& file, const std::string& tensor) {
    auto fail = [&](const std::string& problem) { throw FileError(file, fmt::format("tensor '{}': {}", tensor, problem)); };
    const Storage& storage = *t.storage;
    const int64_t element = int64_t(dtype_size(storage.dtype));
    int64_t storage_bytes = 0;
    if (__builtin_mul_overflow(storage.numel, element, &storage_bytes) || uint64_t(storage_bytes) > bytes.size())
        fail(fmt::format("its storage {} holds {} bytes, fewer than its {} elements need", storage.key, bytes.size(), storage.numel));
    if (t.offset < 0) fail(fmt::format("negative storage offset {}", t.offset));
    int64_t numel = 1;
    for (size_t d = 0; d < t.size.size(); ++d) {
        if (t.size[d] < 0 || t.stride[d] < 0)
            fail(fmt::format("negative size or stride ({}, {}) in dimension {}", t.size[d], t.stride[d], d));
        if (__builtin_mul_overflow(numel, t.size[d], &numel)) fail("more elements than 64 bits count");
    }
    if (numel == 0) return {};
    // The last element the view reads: offset + sum of (size - 1) * stride.
    int64_t last = t.offset;
    for (size_t d = 0; d < t.size.size(); ++d) {
        int64_t step = 0;
        if (__builtin_mul_overflow(t.size[d] - 1, t.stride[d], &step) || __builtin_add_overflow(last, step, &last))
            fail(fmt::format("reaches outside its storage {} ({} elements)", storage.key, storage.numel));
    }
    if (last >= storage.numel) fail(fmt::format("reaches outside its storage {} ({} elements)", storage.key, storage.numel));
    // A view can read storage elements more than once (stride 0, as expand() makes): its copy is
    // then larger than the storage, which is allowed up to a bound rather than up to any size.
    constexpr int64_t kMaxRepeatedViewBytes = int64_t(256) << 20;
    int64_t copy_bytes = 0;
    if (__builtin_mul_overflow(numel, element, &copy_bytes) || (copy_bytes > storage_bytes && copy_bytes > kMaxRepeatedViewBytes))
        fail(fmt::format("a view of {} elements repeats its storage's {} beyond {} bytes", numel, storage.numel, kMaxRepeatedViewBytes));

    std::string data(size_t(copy_bytes), '\0');
    bool contiguous = true;
    for (int64_t d = int64_t(t.size.size()) - 1, expected = 1; d >= 0; --d) {
        if (t.size[size_t(d)] != 1 && t.stride[size_t(d)] != expected) contiguous = false;
        expected *= t.size[size_t(d)];  // at most numel: no overflow
    }
    if (contiguous) {  // then last = offset + numel - 1, inside the storage
        std::memcpy(data.data(), &bytes[size_t(t.offset * element)], data.size());
        return data;
    }
    // Every position is at most `last`, so neither the sums nor the reads can go out of range.
    std::vector<int64_t> index(t.size.size(), 0);
    for (int64_t n = 0; n < numel; ++n) {
        int64_t at = t.offset;
        for (size_t d = 0; d < index.size(); ++d) at += index[d] * t.stride[d];
        std::memcpy(&data[size_t(n * element)], &bytes[size_t(at * element)], size_t(element));
        for (size_t d = index.size(); d > 0; --d) {
            if (++index[d - 1] < t.size[d - 1]) break;
            index[d - 1] = 0;
        }
    }
    return data;
}

}  // namespace

CheckpointTensors detail::read_checkpoint_pickle(std::string_view pickle, const StorageReader& read_storage, const std::string& name,
                                                 const std::string& key, const std::string& strip_prefix) {
    CheckpointTensors out;
    Unpickler u(pickle, name);
    ValuePtr root = u.run();
    out.warnings = u.warnings;
    ValuePtr state = root;
    if (!key.empty()) {
        state = nullptr;
        if (root->kind == Value::dict)
            for (const auto& [k, v] : root->map)
                if (key_text(k) == key) state = v;
        if (!state) throw FileError(name, fmt::format("the checkpoint has no top-level entry '{}'{}", key, describe_entries(root)));
    } else if (!holds_tensors(root) && root->kind == Value::dict) {
        for (const auto& [k, v] : root->map)
            if ((key_text(k) == "model" || key_text(k) == "state_dict") && holds_tensors(v)) state = v;
    }
    if (!holds_tensors(state))
        throw FileError(name, fmt::format("found no dict of tensors{} (use --key to pick the state dict){}",
                                          key.empty() ? "" : fmt::format(" under '{}'", key), describe_entries(root)));

    std::string tensor_name;
    std::map<std::string, std::string> storage_bytes;
    for (const auto& [k, v] : state->map) {
        tensor_name = key_text(k);
        if (!strip_prefix.empty() && tensor_name.rfind(strip_prefix, 0) == 0) tensor_name = tensor_name.substr(strip_prefix.size());
        if (v->kind != Value::tensor) {
            out.warnings.push_back(fmt::format("entry '{}' is not a tensor; skipped", key_text(k)));
            continue;
        }
        const TensorRef& t = *v->t;
        auto [bytes, unread] = storage_bytes.try_emplace(t.storage->key);
        if (unread) bytes->second = read_storage(t.storage->key);
        out.tensors.push_back({tensor_name, t.storage->dtype, t.size, copy_tensor(t, bytes->second, name, key_text(k))});
    }
    return out;
}

CheckpointTensors read_checkpoint(const fs::path& path, const std::string& key, const std::string& strip_prefix) {
    if (path.extension() == ".safetensors") {
        CheckpointTensors out;
        const SafetensorsFile f = SafetensorsFile::open(path);
        for (const auto& t : f.tensors()) {
            std::string name = t.name;
            if (!strip_prefix.empty() && name.rfind(strip_prefix, 0) == 0) name = name.substr(strip_prefix.size());
            out.tensors.push_back({name, t.dtype, t.shape, std::string(reinterpret_cast<const char*>(t.data), t.bytes)});
        }
        return out;
    }
    int error = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &error);
    if (!z) {
        const std::string head = read_file(path).substr(0, 2);
        if (head.size() == 2 && uint8_t(head[0]) == 0x80)
            throw FileError(path, "a legacy (pre-1.6) torch.save file: re-save it with torch >= 1.6, or convert it to safetensors");
        throw FileError(path, "not a torch.save zip checkpoint or a .safetensors file");
    }
    std::unique_ptr<zip_t, void (*)(zip_t*)> guard(z, [](zip_t* p) { zip_discard(p); });
    std::error_code size_error;
    const uint64_t archive_bytes = fs::file_size(path, size_error);
    if (size_error) throw FileError(path, "cannot read its size: " + size_error.message());
    auto read_entry = [&](const std::string& name) -> std::string {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat(z, name.c_str(), 0, &st) != 0) throw FileError(path, fmt::format("missing entry '{}'", name));
        // The sizes an entry claims are checked against the archive before anything is allocated:
        // a few hundred bytes can claim an entry of exabytes. torch.save stores entries
        // uncompressed; deflate (a re-zipped checkpoint) expands at most 1032-fold.
        constexpr zip_uint64_t needed = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
        if ((st.valid & needed) != needed) throw FileError(path, fmt::format("entry '{}' has no recorded size", name));
        const bool plausible = st.comp_size <= archive_bytes &&
                               (st.comp_method == ZIP_CM_STORE     ? st.size == st.comp_size
                                : st.comp_method == ZIP_CM_DEFLATE ? st.size <= st.comp_size * 1032 + 1024
                                                                   : false);
        if (!plausible)
            throw FileError(path, fmt::format("entry '{}' claims {} bytes from {} compressed ones (method {}) in a file of {} bytes", name,
                                              st.size, st.comp_size, st.comp_method, archive_bytes));
        zip_file_t* f = zip_fopen(z, name.c_str(), 0);
        if (!f) throw FileError(path, fmt::format("cannot read entry '{}'", name));
        std::string bytes(size_t(st.size), '\0');
        const zip_int64_t got = zip_fread(f, bytes.data(), st.size);
        zip_fclose(f);
        if (got != zip_int64_t(st.size)) throw FileError(path, fmt::format("entry '{}' is truncated or corrupt", name));
        return bytes;
    };
    std::string prefix;
    for (zip_int64_t i = 0, n = zip_get_num_entries(z, 0); i < n; ++i) {
        const char* entry = zip_get_name(z, zip_uint64_t(i), 0);
        if (!entry) throw FileError(path, fmt::format("entry {} has no readable name", i));
        const std::string name = entry;
        if (name.size() >= 8 && name.compare(name.size() - 8, 8, "data.pkl") == 0) {
            prefix = name.substr(0, name.size() - 8);
            break;
        }
    }
    if (prefix.empty() && zip_name_locate(z, "data.pkl", 0) < 0) throw FileError(path, "no data.pkl in the archive");

    const std::string pickle = read_entry(prefix + "data.pkl");
    return detail::read_checkpoint_pickle(
        pickle, [&](const std::string& storage) { return read_entry(prefix + "data/" + storage); }, path.string(), key, strip_prefix);
}

}  // namespace r2
