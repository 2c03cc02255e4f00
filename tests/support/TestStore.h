// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/DeviceRegistry.h"
#include "ingest/ReportQueue.h"
#include "store/StoreWriter.h"
#include "support/TestReports.h"

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

} // namespace TestStore
