// `r2bench tokenize`: the RoBERTa token ids of each input line, to check r2bench's tokenizer
// against one's own Hugging Face RoBERTa (no libtorch).
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command_table.h"
#include "cli/commands.h"
#include "core/error.h"
#include "model_zoo/bpe_tokenizer.h"

namespace r2::cli {

void add_tokenize_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string vocab, merges, file;
        bool bytes = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "tokenize");
    cmd->footer("Prints one line of ids per input line: <s> (0), the BPE tokens, </s> (2), as Hugging Face's RobertaTokenizer "
                "gives them. --bytes uses the tiny models' built-in byte tokenizer instead (no files).\n\nExamples:\n"
                "  echo 'the dog jumping over the log' | r2bench tokenize --vocab models/roberta/vocab.json --merges models/roberta/merges.txt\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
                "r2bench tokenize --bytes --file build/demo/r2/meta_expressions.json");
    cmd->add_option("--vocab", o->vocab, "Hugging Face vocab.json (roberta-base, distilroberta-base)");
    cmd->add_option("--merges", o->merges, "Hugging Face merges.txt");
    cmd->add_option("--file", o->file, "Read lines from this file (default: standard input)");
    cmd->add_flag("--bytes", o->bytes, "The tiny models' byte tokenizer");
    cmd->callback([o, &exit_code] {
        if (!o->bytes && (o->vocab.empty() || o->merges.empty())) throw Error("tokenize: give --vocab and --merges, or --bytes");
        const auto tokenizer = o->bytes ? BpeTokenizer::byte_level() : BpeTokenizer::load(o->vocab, o->merges);
        std::ifstream file;
        if (!o->file.empty()) {
            file.open(o->file);
            if (!file) throw FileError(o->file, "cannot open");
        }
        std::istream& in = o->file.empty() ? std::cin : file;
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            fmt::print("{}\n", fmt::join(tokenizer.encode(line).ids, " "));
        }
        exit_code = 0;
    });
}

}  // namespace r2::cli
