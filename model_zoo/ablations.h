// The ablations of the R2-VOS paper (its Tables 3–6) as named configurations of the tiny R2-VOS.
// Each row is r2vos_tiny with one thing changed: a part of the model taken away (Table 3), the form
// of the cycle constraint (Table 4), the number of queries (Table 5), the clip length (Table 6).
// A configuration is a RunnableModel named "r2vos_tiny:<config>", so `train --config`, `run
// --model r2vos_tiny:<config> --weights …` and `ablate --table N` all build it the same way.
#pragma once
#include <string>
#include <vector>

#include "model_zoo/registry.h"

namespace r2 {

struct AblationRow {
    int table = 0;          // 3, 4, 5 or 6 (the paper's numbering); 0 for r2bench's own departures
    std::string config;     // what --config takes: "t3-cc"
    std::string row;        // the row's label in the paper's table: "+CC"
    std::string change;     // what this row changes, one sentence
    RunnableModel model;    // named "r2vos_tiny:<config>"; no bundled weights
};

// Every row of Tables 3–6, table by table in the paper's row order, then r2bench's departures
// (table 0): "grounded", the pair head of ReferFormerConfig::r2vos_tiny_grounded.
const std::vector<AblationRow>& ablation_rows();
// The rows of one table (empty for another number).
std::vector<const AblationRow*> ablation_table(int table);
// By config ("t3-cc") or model name ("r2vos_tiny:t3-cc"); nullptr when there is none.
const AblationRow* find_ablation(const std::string& name);

}  // namespace r2
