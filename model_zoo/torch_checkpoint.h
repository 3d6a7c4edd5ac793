// Reading checkpoints saved by torch.save (the zip format of PyTorch >= 1.6: <archive>/data.pkl
// plus raw storages <archive>/data/<key>; Hugging Face's pytorch_model.bin is the same) with a
// restricted unpickler: it builds only tensors, dicts, ordered dicts, lists, tuples and
// primitives, never imports or calls anything, and replaces every other object (such as the
// argparse.Namespace official checkpoints carry) with a placeholder and a warning.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model_zoo/safetensors.h"

namespace r2 {

struct CheckpointTensors {
    std::vector<OwnedTensor> tensors;   // contiguous copies, in the order of the state dict
    std::vector<std::string> warnings;  // skipped objects and the like
};

// Loads the state dict of a checkpoint. `key` selects an entry of a top-level dict (e.g. "model"
// in the official R2-VOS/ReferFormer checkpoints); empty: the top-level dict itself if it holds
// tensors, else its "model" or "state_dict" entry. `strip_prefix` is removed from names that start
// with it. Accepts .pth/.bin (torch.save zip) and .safetensors. Throws FileError on anything else.
CheckpointTensors read_checkpoint(const std::filesystem::path& path, const std::string& key = "",
                                  const std::string& strip_prefix = "");

namespace detail {
// The part of read_checkpoint after the zip: unpickles `pickle` and copies every tensor of the
// state dict out of its storage, which `storage` returns by key (the bytes of data/<key>).
// Errors name `name`. Separate so that the unpickler can be tested and fuzzed without a zip.
using StorageReader = std::function<std::string(const std::string& key)>;
CheckpointTensors read_checkpoint_pickle(std::string_view pickle, const StorageReader& storage, const std::string& name,
                                         const std::string& key = "", const std::string& strip_prefix = "");
}  // namespace detail

}  // namespace r2
