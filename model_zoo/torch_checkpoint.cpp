#include "model_zoo/torch_checkpoint.h"

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
    int64_t i = 0;
    double d = 0;
    std::string s;                                   // text, bytes, global "module.name", skipped type
    std::vector<ValuePtr> items;                     // list, tuple
    std::vector<std::pair<ValuePtr, ValuePtr>> map;  // dict, in insertion order
    std::shared_ptr<Storage> st;
    std::shared_ptr<TensorRef> t;
};

ValuePtr make(Value::Kind k) {
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
}

std::optional<DType> storage_dtype(const std::string& global) {
    static const std::map<std::string, DType> types = {
        {"torch.FloatStorage", DType::F32}, {"torch.HalfStorage", DType::F16},  {"torch.BFloat16Storage", DType::BF16},
        {"torch.DoubleStorage", DType::F64}, {"torch.LongStorage", DType::I64}, {"torch.IntStorage", DType::I32},
        {"torch.ShortStorage", DType::I16}, {"torch.CharStorage", DType::I8},   {"torch.ByteStorage", DType::U8},
        {"torch.BoolStorage", DType::BOOL}};
    const auto it = types.find(global);
    return it == types.end() ? std::nullopt : std::optional<DType>(it->second);
}

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
                case 't': { auto v = make(Value::tuple); v->items = pop_mark(); stack_.push_back(v); break; }
                case 'l': { auto v = make(Value::list); v->items = pop_mark(); stack_.push_back(v); break; }
                case 'd': { auto items = pop_mark(); auto v = make(Value::dict); for (size_t k = 0; k + 1 < items.size(); k += 2) v->map.emplace_back(items[k], items[k + 1]); stack_.push_back(v); break; }
                case 0x85: case 0x86: case 0x87: {
                    const size_t n = op - 0x84;
                    auto v = make(Value::tuple);
                    v->items.resize(n);
                    for (size_t k = n; k > 0; --k) v->items[k - 1] = pop();
                    stack_.push_back(v);
                    break;
                }
                case 'a': { auto x = pop(); top()->items.push_back(x); break; }
                case 'e': { auto items = pop_mark(); auto& l = top()->items; l.insert(l.end(), items.begin(), items.end()); break; }
                case 's': { auto value = pop(), key = pop(); set_item(top(), key, value); break; }
                case 'u': { auto items = pop_mark(); for (size_t k = 0; k + 1 < items.size(); k += 2) set_item(top(), items[k], items[k + 1]); break; }
                case 0x8f: stack_.push_back(make(Value::list)); break;  // EMPTY_SET, kept as a list
                case 0x90: { auto items = pop_mark(); auto& l = top()->items; l.insert(l.end(), items.begin(), items.end()); break; }
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
    void set_item(const ValuePtr& target, const ValuePtr& key, const ValuePtr& value) {
        if (target->kind == Value::dict) target->map.emplace_back(key, value);
        // items set on a skipped object are dropped with it
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
        auto& storage = storages_[pid->items[2]->s];
        if (!storage) storage = std::make_shared<Storage>(Storage{pid->items[2]->s, *dtype, pid->items[4]->i});
        auto v = make(Value::storage);
        v->st = storage;
        return v;
    }
    ValuePtr reduce(const ValuePtr& callable, const ValuePtr& args) {
        const std::string& f = callable->s;
        if (f == "torch._utils._rebuild_tensor_v2" || f == "torch._utils._rebuild_tensor") {
            if (args->items.size() < 4 || args->items[0]->kind != Value::storage) fail("malformed tensor");
            auto t = std::make_shared<TensorRef>();
            t->storage = args->items[0]->st;
            t->offset = args->items[1]->i;
            for (const auto& d : args->items[2]->items) t->size.push_back(d->i);
            for (const auto& d : args->items[3]->items) t->stride.push_back(d->i);
            auto v = make(Value::tensor);
            v->t = t;
            return v;
        }
        if (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state") {
            if (args->items.empty()) fail("malformed parameter");
            return args->items[0];
        }
        if (f == "collections.OrderedDict" || f == "builtins.dict") return make(Value::dict);
        return skip(f, "REDUCE");
    }

    std::string_view data_;
    std::string name_;
    size_t pos_ = 0;
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

}  // namespace

CheckpointTensors read_checkpoint(const fs::path& path, const std::string& key, const std::string& strip_prefix) {
    CheckpointTensors out;
    auto strip = [&](std::string name) {
        if (!strip_prefix.empty() && name.rfind(strip_prefix, 0) == 0) name = name.substr(strip_prefix.size());
        return name;
    };
    if (path.extension() == ".safetensors") {
        const SafetensorsFile f = SafetensorsFile::open(path);
        for (const auto& t : f.tensors())
            out.tensors.push_back({strip(t.name), t.dtype, t.shape, std::string(reinterpret_cast<const char*>(t.data), t.bytes)});
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
    auto read_entry = [&](const std::string& name) -> std::string {
        zip_stat_t st;
        if (zip_stat(z, name.c_str(), 0, &st) != 0) throw FileError(path, fmt::format("missing entry '{}'", name));
        zip_file_t* f = zip_fopen(z, name.c_str(), 0);
        if (!f) throw FileError(path, fmt::format("cannot read entry '{}'", name));
        std::string bytes(size_t(st.size), '\0');
        const zip_int64_t got = zip_fread(f, bytes.data(), st.size);
        zip_fclose(f);
        if (got != zip_int64_t(st.size)) throw FileError(path, fmt::format("entry '{}' is truncated", name));
        return bytes;
    };
    std::string prefix;
    for (zip_int64_t i = 0, n = zip_get_num_entries(z, 0); i < n; ++i) {
        const std::string name = zip_get_name(z, zip_uint64_t(i), 0);
        if (name.size() >= 8 && name.compare(name.size() - 8, 8, "data.pkl") == 0) {
            prefix = name.substr(0, name.size() - 8);
            break;
        }
    }
    if (prefix.empty() && zip_name_locate(z, "data.pkl", 0) < 0) throw FileError(path, "no data.pkl in the archive");

    const std::string pickle = read_entry(prefix + "data.pkl");
    Unpickler u(pickle, path.string());
    ValuePtr root = u.run();
    out.warnings = u.warnings;
    ValuePtr state = root;
    if (!key.empty()) {
        state = nullptr;
        if (root->kind == Value::dict)
            for (const auto& [k, v] : root->map)
                if (key_text(k) == key) state = v;
        if (!state) throw FileError(path, fmt::format("the checkpoint has no top-level entry '{}'{}", key, describe_entries(root)));
    } else if (!holds_tensors(root) && root->kind == Value::dict) {
        for (const auto& [k, v] : root->map)
            if ((key_text(k) == "model" || key_text(k) == "state_dict") && holds_tensors(v)) state = v;
    }
    if (!holds_tensors(state))
        throw FileError(path, fmt::format("found no dict of tensors{} (use --key to pick the state dict){}",
                                          key.empty() ? "" : fmt::format(" under '{}'", key), describe_entries(root)));

    std::map<std::string, std::string> storage_bytes;
    for (const auto& [k, v] : state->map) {
        if (v->kind != Value::tensor) {
            out.warnings.push_back(fmt::format("entry '{}' is not a tensor; skipped", key_text(k)));
            continue;
        }
        const TensorRef& t = *v->t;
        auto& bytes = storage_bytes[t.storage->key];
        if (bytes.empty()) bytes = read_entry(prefix + "data/" + t.storage->key);
        const size_t element = dtype_size(t.storage->dtype);
        if (bytes.size() < size_t(t.storage->numel) * element)
            throw FileError(path, fmt::format("storage {} holds {} bytes, fewer than its {} elements need", t.storage->key, bytes.size(), t.storage->numel));
        // Gather the (possibly strided) view into a contiguous copy.
        int64_t numel = 1;
        for (int64_t d : t.size) numel *= d;
        std::string data(size_t(numel) * element, '\0');
        bool contiguous = true;
        for (int64_t d = int64_t(t.size.size()) - 1, expected = 1; d >= 0; --d) {
            if (t.size[size_t(d)] != 1 && t.stride[size_t(d)] != expected) contiguous = false;
            expected *= t.size[size_t(d)];
        }
        if (contiguous && numel > 0) {
            if (t.offset < 0 || t.offset + numel > t.storage->numel)
                throw FileError(path, fmt::format("tensor '{}' reaches outside its storage", key_text(k)));
            std::memcpy(data.data(), &bytes[size_t(t.offset) * element], data.size());
            out.tensors.push_back({strip(key_text(k)), t.storage->dtype, t.size, std::move(data)});
            continue;
        }
        std::vector<int64_t> index(t.size.size(), 0);
        for (int64_t n = 0; n < numel; ++n) {
            int64_t at = t.offset;
            for (size_t d = 0; d < index.size(); ++d) at += index[d] * t.stride[d];
            if (at < 0 || at >= t.storage->numel) throw FileError(path, fmt::format("tensor '{}' reaches outside its storage", key_text(k)));
            std::memcpy(&data[size_t(n) * element], &bytes[size_t(at) * element], element);
            for (size_t d = index.size(); d > 0; --d) {
                if (++index[d - 1] < t.size[d - 1]) break;
                index[d - 1] = 0;
            }
        }
        out.tensors.push_back({strip(key_text(k)), t.storage->dtype, t.size, std::move(data)});
    }
    return out;
}

}  // namespace r2
