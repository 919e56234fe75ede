// A campaign over MPI ranks (mpirun -n N flipguard campaign ...): rank 0 is the coordinator, the single
// writer of the results file (resuming and skipping done trials as a serial run does); ranks 1..N-1 run
// trials. Units are handed out on demand (dynamic load balancing), preferring units of the configuration a
// rank has already built; an adaptive cell's next wave is released when its current wave is complete, so
// the records are those of a serial run whatever the number of ranks. Waiting ranks sleep between polls
// instead of spinning, so an oversubscribed run (more ranks than cores) leaves the cores to the workers.
#pragma once

#include <functional>
#include <optional>
#include <ostream>

#include "campaign/running/campaign_runner.hpp"
#include "campaign/settings/campaign_config.hpp"

namespace flipguard::cluster {

// Initializes and finalizes MPI itself. Returns the summary on rank 0 and nullopt on the other ranks. An
// error on any rank is printed with its rank and aborts the whole job (MPI_Abort), which a rerun resumes.
std::optional<campaign::CampaignSummary> run_mpi_campaign(
    const campaign::CampaignConfig& config,
    const std::function<void(const campaign::CampaignProgress&)>& progress, std::ostream& log);

}  // namespace flipguard::cluster
