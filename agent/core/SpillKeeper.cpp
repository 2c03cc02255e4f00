// SPDX-License-Identifier: MIT
#include "SpillKeeper.h"

#include "AgentConfig.h"
#include "Clock.h"
#include "Delivery.h"
#include "Logger.h"
#include "ReportBuilder.h"

#include <cmath>

namespace dmr::agent {

SpillKeeper::SpillKeeper(const AgentConfig &config, Logger &logger)
    : m_config(config)
    , m_logger(logger)
{
    if (!config.spillFile.empty() && config.count == 0)
        m_file.emplace(config.spillFile);
}

// Two save periods' worth. A restart after a power loss continues after
// them, so it never reuses a number the lost process may have sent with
// another sample (the console would refuse that sample as a duplicate, then
// acknowledge it, and it would be lost unseen). The reserved numbers that
// were never used count as lost at the console once.
std::uint64_t SpillKeeper::reserve() const
{
    return 2 * std::uint64_t(std::ceil(kPeriodMs / 1000.0 / m_config.intervalSeconds)) + 1;
}

std::string SpillKeeper::restore(ReportBuilder &builder, std::optional<Delivery> &delivery)
{
    SpillFile::Loaded loaded;
    if (m_file) {
        loaded = m_file->load(m_config.deviceId, m_config.resendCapacity());
        if (loaded.status == SpillFile::Status::Unusable) {
            const std::string aside = m_file->setAside();
            m_logger.warning("ignoring the spill file, starting a new run: " + loaded.error
                + (aside.empty() ? " (moved aside to " + m_file->path() + ".bad)"
                                 : " (" + aside + ")"));
        } else if (loaded.status == SpillFile::Status::Loaded) {
            builder.continueRun(loaded.state.header.runId, loaded.state.header.nextSequence);
        }
    }
    delivery.emplace(m_config, builder.runId(), m_logger);
    if (loaded.status != SpillFile::Status::Loaded)
        return m_file ? ", spill file " + m_file->path() : std::string();
    m_reservedUntil = builder.nextSequence();
    const std::int64_t now = Clock::monotonicMs();
    for (SpillFile::Entry &entry : loaded.state.entries)
        delivery->restore(entry.sequence, std::move(entry.payload), now);
    return ", continuing the run of spill file " + m_file->path() + " at sequence "
        + std::to_string(builder.nextSequence()) + " with "
        + std::to_string(loaded.state.entries.size()) + " unacknowledged reports"
        + (loaded.dropped > 0 ? " (" + std::to_string(loaded.dropped)
                    + " older ones over the buffer's size dropped)"
                              : std::string());
}

void SpillKeeper::start(const ReportBuilder &builder, const Delivery &delivery, std::int64_t nowMs)
{
    m_savedChanges = delivery.buffer().changes();
    m_savedAtMs = nowMs;
    keep(builder, delivery, nowMs, false);
}

void SpillKeeper::keep(
    const ReportBuilder &builder, const Delivery &delivery, std::int64_t nowMs, bool final)
{
    if (!m_file)
        return;
    const ResendBuffer &buffer = delivery.buffer();
    const bool forced = m_reservedUntil != 0 && builder.nextSequence() >= m_reservedUntil;
    const bool due = buffer.changes() != m_savedChanges && nowMs - m_savedAtMs >= kPeriodMs;
    if (!final && !forced && !due)
        return;
    SpillFile::Header header;
    header.deviceId = m_config.deviceId;
    header.runId = builder.runId();
    header.nextSequence = builder.nextSequence() + (final ? 0 : reserve());
    const std::string error = m_file->save(header, buffer.entries());
    m_savedAtMs = nowMs;
    if (error.empty()) {
        m_savedChanges = buffer.changes();
        m_reservedUntil = header.nextSequence;
        if (final)
            m_logger.info("saved " + std::to_string(buffer.size()) + " unacknowledged reports to "
                + m_file->path());
        return;
    }
    m_logger.logLimited(LogLevel::Error, "cannot save the spill file: " + error);
    // The file on disk (if any) would have a restart reuse sequences from now
    // on; without it a restart starts a new run instead.
    if (forced && m_file->remove().empty())
        m_reservedUntil = 0;
}

} // namespace dmr::agent
