// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/Datagram.h"
#include "ingest/Ingest.h"
#include "ingest/KeyStore.h"
#include "ingest/ReportQueue.h"

#include <QByteArray>
#include <QFile>
#include <memory>

// The console of fuzz_ingest: one device key (make-seeds.py signs with it),
// as a line of the console's key file, and a fixed "now" (2026-11-20) so
// that a run does not depend on the day.
constexpr char kFuzzKeyFileLine[]
    = "fuzz-device 7:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f sign\n";
constexpr qint64 kFuzzNowMs = 1795000000000LL;

// That console's key store, read the way the console reads it, from a key
// file written into `folder`; null, with *error, if that fails.
inline std::shared_ptr<const dmr::console::KeyStore> fuzzKeys(const QString &folder, QString *error)
{
    const QString path = folder + QStringLiteral("/fuzz.keys");
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(kFuzzKeyFileLine) < 0) {
        *error = path + QStringLiteral(": ") + file.errorString();
        return nullptr;
    }
    file.close();
    auto keys = std::make_shared<dmr::console::KeyStore>();
    return keys->load(path, error) ? keys : nullptr;
}

// That console's ingest stage, with the queue and counters it fills.
struct FuzzConsole
{
    static dmr::console::IngestPolicy policy(std::shared_ptr<const dmr::console::KeyStore> keys)
    {
        dmr::console::IngestPolicy made;
        made.keys = std::move(keys);
        return made;
    }

    explicit FuzzConsole(std::shared_ptr<const dmr::console::KeyStore> keys)
        : ingest(
            &queue, &counters, [] { return kFuzzNowMs; }, policy(std::move(keys)))
    { }

    dmr::console::ReportQueue queue {1000};
    dmr::console::IngestCounters counters;
    dmr::console::Ingest ingest;
};

// How fuzz_ingest reads an input: datagrams cut at each "\xff\xfeDMR", at
// most 32, as if from 127.0.0.1:40000. tst_security reads the seed corpus
// the same way to check what each seed means.
inline dmr::console::DatagramBatch ingestInput(const QByteArray &input)
{
    static const QByteArray separator = QByteArrayLiteral("\xff\xfe"
                                                          "DMR");
    constexpr int kMaxDatagrams = 32;
    dmr::console::DatagramBatch batch;
    qsizetype start = 0;
    while (batch.size() < kMaxDatagrams) {
        const qsizetype end = input.indexOf(separator, start);
        dmr::console::Datagram datagram;
        datagram.bytes = input.mid(start, end < 0 ? -1 : end - start);
        datagram.sender = QHostAddress::LocalHost;
        datagram.senderPort = 40000;
        batch.append(std::move(datagram));
        if (end < 0)
            break;
        start = end + separator.size();
    }
    return batch;
}
