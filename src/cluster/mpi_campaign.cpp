#include "cluster/mpi_campaign.hpp"

#include <mpi.h>

#include <chrono>
#include <deque>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "campaign/recipe/resolved_config.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/running/coordinator.hpp"
#include "campaign/running/trial_worker.hpp"

namespace flipguard::cluster {
namespace {

using campaign::WorkUnit;

enum Tag : int {
  kReady = 1,  // worker -> 0: "<config or -1>\n<record JSON of the unit it was given, or nothing>"
  kUnit = 2,   // 0 -> worker: "<cell> <trial>"
  kStop = 3,   // 0 -> worker: no more work
};

struct MpiSession {
  MpiSession() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) MPI_Init(nullptr, nullptr);
  }
  ~MpiSession() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

void send(int to, Tag tag, const std::string& payload) {
  MPI_Send(payload.data(), static_cast<int>(payload.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

struct Message {
  int source = 0, tag = 0;
  std::string payload;
};

// Blocks until a message from `source` arrives, sleeping between probes (from 50 us, doubling up to 2 ms):
// Open MPI's blocking receive busy-polls, which would take a core from the workers.
Message receive(int source) {
  int flag = 0;
  MPI_Status status;
  auto pause = std::chrono::microseconds(50);
  for (;;) {
    MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (flag) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  Message m;
  m.source = status.MPI_SOURCE;
  m.tag = status.MPI_TAG;
  m.payload.resize(static_cast<std::size_t>(count));
  MPI_Recv(m.payload.data(), count, MPI_CHAR, m.source, m.tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return m;
}

campaign::CampaignSummary coordinate(const campaign::CampaignConfig& config,
                                     const campaign::CampaignSetup& setup, int ranks,
                                     const std::function<void(const campaign::CampaignProgress&)>& progress,
                                     std::ostream& log) {
  campaign::Coordinator coordinator(config, setup, progress, log);
  std::vector<std::optional<WorkUnit>> assigned(static_cast<std::size_t>(ranks));
  std::vector<std::optional<std::size_t>> built(static_cast<std::size_t>(ranks));
  std::deque<int> idle;
  int working = ranks - 1;  // workers not yet told to stop
  while (working > 0) {
    // Hand out what the plan has released; workers with nothing to do wait for the next wave.
    for (auto it = idle.begin(); it != idle.end();) {
      const int w = *it;
      if (coordinator.finished()) {
        send(w, kStop, "");
        --working;
        it = idle.erase(it);
      } else if (const auto unit = coordinator.next(built[static_cast<std::size_t>(w)])) {
        assigned[static_cast<std::size_t>(w)] = unit;
        std::string text = std::to_string(unit->cell) + " " + std::to_string(unit->trial);
        if (const auto& d = unit->design)  // a design trial: what the plan made it
          text += " " + std::to_string(d->images) + " " + std::to_string(d->round) + " " +
                  std::to_string(d->stratum) + " " + std::to_string(d->lo) + " " + std::to_string(d->hi);
        send(w, kUnit, text);
        it = idle.erase(it);
      } else {
        ++it;
      }
    }
    if (working == 0) break;
    const Message m = receive(MPI_ANY_SOURCE);
    if (m.tag != kReady)
      throw std::runtime_error("rank " + std::to_string(m.source) + " sent an unknown message");
    const auto w = static_cast<std::size_t>(m.source);
    const auto newline = m.payload.find('\n');
    const long config_index = std::stol(m.payload.substr(0, newline));
    built[w] =
        config_index < 0 ? std::nullopt : std::optional<std::size_t>(static_cast<std::size_t>(config_index));
    if (assigned[w]) {
      const auto record = nlohmann::json::parse(m.payload.substr(newline + 1)).get<campaign::TrialRecord>();
      coordinator.accept(*assigned[w], record);
      assigned[w].reset();
    }
    idle.push_back(m.source);
  }
  return coordinator.summary();
}

void work(const campaign::CampaignConfig& config, const campaign::CampaignSetup& setup) {
  std::unique_ptr<campaign::TrialWorker> worker;  // the model is loaded on the first unit
  std::string record;
  for (;;) {
    const auto config_index = worker && worker->config() ? static_cast<long>(*worker->config()) : -1L;
    send(0, kReady, std::to_string(config_index) + "\n" + record);
    const Message m = receive(0);
    if (m.tag == kStop) return;
    std::istringstream in(m.payload);
    WorkUnit unit;
    in >> unit.cell >> unit.trial;
    if (!in || unit.cell >= setup.cells.size()) throw std::runtime_error("bad work unit '" + m.payload + "'");
    campaign::TrialDesign d;
    if (in >> d.images) {
      in >> d.round >> d.stratum >> d.lo >> d.hi;
      if (!in || d.images < 1) throw std::runtime_error("bad work unit '" + m.payload + "'");
      unit.design = d;
    }
    if (!worker) worker = std::make_unique<campaign::TrialWorker>(config, setup);
    record = nlohmann::json(worker->run(setup.cells[unit.cell], unit.trial, unit.design)).dump();
  }
}

}  // namespace

std::optional<campaign::CampaignSummary> run_mpi_campaign(
    const campaign::CampaignConfig& given,
    const std::function<void(const campaign::CampaignProgress&)>& progress, std::ostream& log) {
  MpiSession session;
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  try {
    if (ranks < 2)
      throw std::invalid_argument(
          "campaign: MPI needs at least 2 ranks (rank 0 coordinates, the others run "
          "trials); run without --mpi for one process");
    // Every rank derives the same setup (campaign id, images, cells) from the same settings.
    std::ostream quiet(nullptr);  // rank 0 speaks for all
    const auto setup =
        campaign::CampaignSetup::load(campaign::resolve_config(given, rank == 0 ? log : quiet));
    if (rank == 0) {
      setup.log_skipped(log);
      return coordinate(setup.config, setup, ranks, progress, log);
    }
    work(setup.config, setup);
    return std::nullopt;
  } catch (const std::exception& e) {
    std::cerr << "flipguard campaign (rank " << rank << " of " << ranks << "): error: " << e.what()
              << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
    throw;  // not reached: MPI_Abort ends the job
  }
}

}  // namespace flipguard::cluster
