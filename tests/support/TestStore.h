// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/DeviceRegistry.h"
#include "ingest/ReportQueue.h"
#include "store/StoreWriter.h"
#include "support/TestReports.h"

#include <vector>

namespace TestStore {

// Reports 1..count of one device's run, accepted by a real registry (whose
// clock follows the sample times), through `queue` into `writer`, written.
// False if the registry refused one or the writer failed.
inline bool writeReports(dmr::console::StoreWriter &writer, dmr::console::ReportQueue &queue,
    int device, quint32 runId, int count)
{
    using namespace dmr::console;
    qint64 now = 0;
    DeviceRegistry registry([&now] { return now; });
    std::vector<AcceptedReport> batch;
    for (int s = 1; s <= count; ++s) {
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(device), runId, quint64(s));
        now = accepted.report.sampleTimeMs;
        if (registry.observe(accepted.report, &accepted.device)
            != DeviceRegistry::Verdict::Accepted)
            return false;
        batch.push_back(std::move(accepted));
    }
    queue.push(std::move(batch));
    return writer.flushAll();
}

// Sample times from `from` up to `to`, `stepMs` apart, each moved by offsetMs.
inline std::vector<qint64> every(qint64 stepMs, qint64 from, qint64 to, qint64 offsetMs = 0)
{
    std::vector<qint64> times;
    for (qint64 ts = from; ts < to; ts += stepMs)
        times.push_back(ts + offsetMs);
    return times;
}

// One device's reports at times of the test's choosing, late ones too, each
// with the next sequence number, accepted by a registry of its own (whose
// clock follows the sample times) and written by `writer`.
class TimedReports
{
public:
    TimedReports(dmr::console::StoreWriter &writer, dmr::console::ReportQueue &queue, int device,
        int interfaces = 2)
        : m_writer(writer)
        , m_queue(queue)
        , m_device(device)
        , m_interfaces(interfaces)
        , m_registry([this] { return m_now; })
    { }

    // False if the registry refused one or the writer failed.
    bool write(const std::vector<qint64> &times)
    {
        using namespace dmr::console;
        std::vector<AcceptedReport> batch;
        for (qint64 ts : times) {
            AcceptedReport accepted;
            accepted.report = TestReports::makeReport(
                TestReports::deviceId(m_device), 5, ++m_sequence, m_interfaces);
            accepted.report.sampleTimeMs = ts;
            m_now = ts;
            if (m_registry.observe(accepted.report, &accepted.device)
                != DeviceRegistry::Verdict::Accepted)
                return false;
            batch.push_back(std::move(accepted));
            m_times.push_back(ts);
        }
        m_queue.push(std::move(batch));
        return m_writer.flushAll();
    }
    // Every sample time written, in the order written.
    const std::vector<qint64> &times() const { return m_times; }

private:
    dmr::console::StoreWriter &m_writer;
    dmr::console::ReportQueue &m_queue;
    int m_device;
    int m_interfaces;
    qint64 m_now = 0;
    quint64 m_sequence = 0;
    dmr::console::DeviceRegistry m_registry;
    std::vector<qint64> m_times;
};

} // namespace TestStore
