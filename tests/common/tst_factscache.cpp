// SPDX-License-Identifier: MIT
#include "../support/TestHardware.h"
#include "dmr/FactsCache.h"

#include <QTest>

using dmr::FactsCache;
using Outcome = dmr::FactsCache::Outcome;

namespace {

// A report as the console has it after decoding: with its facts in full, or
// with only their hash (names, types, sizes and inode totals empty).
dmr::Report report(const std::string &deviceId, bool factsIncluded)
{
    dmr::Report r;
    r.deviceId = deviceId;
    r.hardware = dmr::test::sampleHardware();
    r.factsHash = dmr::factsHash(r.hardware);
    r.factsIncluded = factsIncluded;
    if (!factsIncluded) {
        for (dmr::TemperatureSample &t : r.hardware.temperatures)
            t.sensor.clear();
        for (dmr::FileSystemSample &fs : r.hardware.fileSystems) {
            fs.mount.clear();
            fs.type.clear();
            fs.sizeKb = 0;
            fs.inodesTotal = 0;
        }
    }
    return r;
}

} // namespace

class TestFactsCache : public QObject
{
    Q_OBJECT
private slots:
    void noFacts();
    void learnThenFill();
    void unknownDevice();
    void unknownHash();
    void countsMismatch();
    void forget();
};

void TestFactsCache::noFacts()
{
    FactsCache cache;
    dmr::Report r;
    r.deviceId = "old-agent";
    QCOMPARE(cache.resolve(r), Outcome::None);
    QCOMPARE(cache.size(), std::size_t(0));
}

void TestFactsCache::learnThenFill()
{
    FactsCache cache;
    dmr::Report full = report("pi", true);
    QCOMPARE(cache.resolve(full), Outcome::Learnt);
    QCOMPARE(full.hardware, dmr::test::sampleHardware()); // left as it was
    dmr::Report hashed = report("pi", false);
    QCOMPARE(cache.resolve(hashed), Outcome::Filled);
    QCOMPARE(hashed.hardware, dmr::test::sampleHardware());
}

void TestFactsCache::unknownDevice()
{
    FactsCache cache;
    dmr::Report learnt = report("pi", true);
    cache.resolve(learnt);
    dmr::Report other = report("nuc", false);
    QCOMPARE(cache.resolve(other), Outcome::Unknown);
    QVERIFY(other.hardware.temperatures.empty());
    QVERIFY(other.hardware.fileSystems.empty());
    // The rest of the hardware stays.
    QCOMPARE(other.hardware.corePercents, dmr::test::sampleHardware().corePercents);
    QVERIFY(other.hardware.battery);
}

void TestFactsCache::unknownHash()
{
    FactsCache cache;
    dmr::Report learnt = report("pi", true);
    cache.resolve(learnt);
    dmr::Report changed = report("pi", false);
    changed.factsHash ^= 1; // facts changed, and their full report was lost
    QCOMPARE(cache.resolve(changed), Outcome::Unknown);
    QVERIFY(changed.hardware.temperatures.empty());
    QVERIFY(changed.hardware.fileSystems.empty());
}

void TestFactsCache::countsMismatch()
{
    FactsCache cache;
    dmr::Report learnt = report("pi", true);
    cache.resolve(learnt);
    dmr::Report fewer = report("pi", false);
    fewer.hardware.temperatures.pop_back();
    QCOMPARE(cache.resolve(fewer), Outcome::Unknown);
    QVERIFY(fewer.hardware.temperatures.empty());
    dmr::Report more = report("pi", false);
    more.hardware.fileSystems.push_back({});
    QCOMPARE(cache.resolve(more), Outcome::Unknown);
    QVERIFY(more.hardware.fileSystems.empty());
}

void TestFactsCache::forget()
{
    FactsCache cache;
    dmr::Report learnt = report("pi", true);
    cache.resolve(learnt);
    QCOMPARE(cache.size(), std::size_t(1));
    cache.forget("pi");
    QCOMPARE(cache.size(), std::size_t(0));
    dmr::Report hashed = report("pi", false);
    QCOMPARE(cache.resolve(hashed), Outcome::Unknown);
}

QTEST_GUILESS_MAIN(TestFactsCache)
#include "tst_factscache.moc"
