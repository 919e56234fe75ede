// flipguard's public API in one include: <flipguard/flipguard.hpp> (docs/api.md). Each header it names is
// also usable on its own, as "area/file.hpp".
#pragma once

#include "campaign/planning/cell_summary.hpp"    // cells and their intervals from trial records
#include "campaign/running/campaign_runner.hpp"  // run a campaign (CampaignConfig, run_campaign)
#include "campaign/running/layer_campaign.hpp"   // one stored tensor at a time
#include "campaign/settings/settings.hpp"        // every campaign setting by key (TOML/CLI names)
#include "data/datasets/dataset_registry.hpp"    // built-in datasets by name
#include "data/loading/batch_loader.hpp"         // datasets preprocessed into input tensors
#include "data/manifest/manifest_lookup.hpp"     // model names and sidecars
#include "engine/executor.hpp"                   // run an ONNX model on a batch; its stored weights as slots
#include "evaluation/evaluate_set.hpp"           // clean Top-k of a model over a preloaded image set
#include "faults/sampler.hpp"                    // fault models sampled into stored bits, O(faults)
#include "memory/format.hpp"                     // fp32, fp16, bf16, Qm.n, int8: encode and decode
#include "memory/stored_tensor.hpp"              // a tensor's stored bit image
#include "metrics/topk.hpp"                      // Top-1/Top-5 with NaN/Inf-safe ranking
#include "model/onnx_loader.hpp"                 // ONNX file -> graph
#include "model/passes.hpp"                      // graph rewrites (BatchNorm folding, ...)
#include "platform/interrupt.hpp"                // Ctrl-C/SIGTERM: campaigns end between trials
#include "protect/protected_tensor.hpp"          // a tensor behind scaling, ECC, guards
#include "report/report_writer.hpp"              // Markdown/CSV/SVG/HTML from a results file
#include "report/results_reader.hpp"             // records of a results file
