// SPDX-License-Identifier: MIT
// libFuzzer target: the console's ingest stage on any bytes, as its receiver
// hands datagrams over: envelope, key lookup and verification, decode and
// validation, the key's device against the report's, the clock-skew bound,
// the replay window and the device registry (fuzz_decode covers the codec
// alone; the skew check's overflow was found here, by review, before this
// target existed).
//
// An input is cut at each "\xff\xfeDMR" into up to 32 datagrams (IngestInput.h), so that
// one input can carry a device's run of reports, replays and resends; each
// input gets a fresh Ingest, so inputs stay independent. The console has
// one device key (sign level, the key of fuzz_decode's seeds). Checked
// besides the sanitizers: received = accepted + rejected, exactly, and every
// accepted report is in the writer's queue.
#include "fuzz/IngestInput.h"

#include <QByteArray>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <cstdint>
#include <cstdlib>
#include <memory>

using namespace dmr::console;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

std::shared_ptr<const KeyStore> loadKeys()
{
    QTemporaryDir folder;
    QString error;
    std::shared_ptr<const KeyStore> keys = fuzzKeys(folder.path(), &error);
    check(keys != nullptr);
    return keys;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // A rejection is a log line; millions of them would be the whole run.
    QLoggingCategory::setFilterRules(QStringLiteral("console.*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const std::shared_ptr<const KeyStore> keys = loadKeys();
    FuzzConsole console(keys);
    const DatagramBatch batch = ingestInput(
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)));
    console.ingest.ingest(batch);

    const IngestCounters &counters = console.counters;
    check(counters.received.load() == quint64(batch.size()));
    check(counters.accepted.load() + counters.rejectedTotal() == counters.received.load());
    check(console.queue.size() == counters.accepted.load());
    return 0;
}
