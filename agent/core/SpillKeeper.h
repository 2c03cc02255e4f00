// SPDX-License-Identifier: MIT
#pragma once

#include "SpillFile.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dmr::agent {

struct AgentConfig;
class Delivery;
class Logger;
class ReportBuilder;

// The agent's side of its spill file (--spill-file): what a start makes of
// the file, and when the running agent writes it. A valid file of this
// device continues its run: the console acknowledges only a device's
// current run and keeps its replay window per run, so a new run could never
// get the old one's reports acknowledged. Anything else starts a new run, as
// without a spill file. Off without --spill-file and for one-shot runs
// (--once, --count), which have no later in which to resend.
class SpillKeeper
{
public:
    // While running, the file is rewritten at most this often, and only when
    // the resend buffer changed: devices keep it on flash cards, which wear
    // out by rewrites, so a report every second must not cost a write every
    // second. A power loss then costs at most the last minute's reports; a
    // graceful stop (SIGTERM, SIGINT) always saves.
    static constexpr std::int64_t kPeriodMs = 60 * 1000;

    SpillKeeper(const AgentConfig &config, Logger &logger);

    // Reads the file at start, continues its run in `builder` if it is
    // valid, makes `delivery` for the run and puts the file's reports back in
    // its buffer. Returns what the start line says about it.
    std::string restore(ReportBuilder &builder, std::optional<Delivery> &delivery);
    // Before the first report: a continued run saves at once (its file
    // reserves no more sequences), so that a crash right away does not have
    // the next start reuse the sequences this one is about to send.
    void start(const ReportBuilder &builder, const Delivery &delivery, std::int64_t nowMs);
    // Saves when the buffer changed and the last save is a period old, or at
    // once when the next report would use a sequence the file on disk does
    // not reserve; `final` (a graceful stop) saves in any case, with the
    // exact next sequence.
    void keep(
        const ReportBuilder &builder, const Delivery &delivery, std::int64_t nowMs, bool final);

private:
    // Sequences a save while running reserves beyond the next one.
    std::uint64_t reserve() const;

    const AgentConfig &m_config;
    Logger &m_logger;
    std::optional<SpillFile> m_file;
    std::uint64_t m_savedChanges = 0; // the buffer's changes() at the last save
    std::int64_t m_savedAtMs = 0; // monotonic
    // The sequence a restart would continue at, per the file on disk; 0 when
    // no file of this run is there, and a restart would start a new run.
    std::uint64_t m_reservedUntil = 0;
};

} // namespace dmr::agent
