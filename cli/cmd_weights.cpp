#include <fmt/format.h>

#include "cli/command_table.h"
#include "cli/commands.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/torch_checkpoint.h"

namespace r2::cli {

void add_convert_weights_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string in, out, key, strip_prefix;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "convert-weights");
    cmd->footer("The checkpoint is read with a restricted unpickler: only tensors, dicts, lists, tuples and primitives are "
                "built; other objects (argparse.Namespace, …) are skipped with a warning and no code is ever run.\n\n"
                "Examples:\n  r2bench convert-weights checkpoint.pth models/r2vos_r50.safetensors --key model\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
                "r2bench convert-weights model_zoo/tiny_weights/mttr_tiny.safetensors build/demo/weights/mttr_tiny.safetensors");
    cmd->add_option("in", o->in, "Checkpoint: torch.save zip (.pth, pytorch_model.bin) or .safetensors")->required();
    cmd->add_option("out", o->out, "Output .safetensors")->required();
    cmd->add_option("--key", o->key, "Top-level entry holding the state dict (default: the dict itself, or 'model'/'state_dict')");
    cmd->add_option("--strip-prefix", o->strip_prefix, "Remove this prefix from tensor names (e.g. 'module.')");
    cmd->callback([o, &exit_code] {
        const CheckpointTensors c = read_checkpoint(o->in, o->key, o->strip_prefix);
        for (const auto& w : c.warnings) fmt::print(stderr, "warning: {}\n", w);
        int64_t parameters = 0;
        for (const auto& t : c.tensors) {
            int64_t n = 1;
            for (int64_t d : t.shape) n *= d;
            parameters += n;
        }
        write_safetensors(o->out, c.tensors, {{"format", "pt"}, {"source", std::filesystem::path(o->in).filename().string()}});
        fmt::print("wrote {}: {} tensors, {} values\n", o->out, c.tensors.size(), parameters);
        exit_code = 0;
    });
}

}  // namespace r2::cli
