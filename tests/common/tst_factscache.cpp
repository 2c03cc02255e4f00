// SPDX-License-Identifier: MIT
#include "../support/TestHardware.h"
#include "dmr/Codec.h"
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
        for (std::string &unit : *r.hardware.failedUnits)
            unit.clear();
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
    void learnedFromTheStore();
    void processNames();
    void unknownFactsStillStore();
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

// What a console reads back at start (its newest stored hardware) resolves
// the agent's next hash-only report as a full one would.
void TestFactsCache::learnedFromTheStore()
{
    FactsCache cache;
    cache.learn("pi", dmr::test::sampleHardware());
    dmr::Report r = report("pi", false);
    QCOMPARE(cache.resolve(r), Outcome::Filled);
    QCOMPARE(r.hardware, dmr::test::sampleHardware());
    // Hardware without facts teaches nothing.
    cache.learn("bare", dmr::HardwareSample {});
    QCOMPARE(cache.size(), std::size_t(1));
}

// A name goes once per pid: later reports have it from the cache; a pid
// never named stays unnamed and is counted.
void TestFactsCache::processNames()
{
    FactsCache cache;
    dmr::Report first = report("pi", true);
    QCOMPARE(cache.resolve(first), Outcome::Learnt);
    dmr::Report later = report("pi", false);
    for (dmr::ProcessSample &p : later.hardware.processes) {
        p.name.clear();
        p.nameIncluded = false;
    }
    later.hardware.processes.push_back({4242, "", 1.5, 100, false});
    QCOMPARE(cache.resolve(later), Outcome::Filled);
    QCOMPARE(later.hardware.processes[0].name, std::string("firefox"));
    QCOMPARE(later.hardware.processes[1].name, std::string("systemd"));
    QCOMPARE(later.hardware.processes[2].name, std::string());
    QCOMPARE(cache.unnamedProcesses(), std::size_t(1));
}

// A report whose facts the console does not know keeps its failed units'
// count with empty names and its processes without names; what it stores
// of it must read back (it once did not: every such row was lost).
void TestFactsCache::unknownFactsStillStore()
{
    FactsCache cache;
    dmr::Report r = report("pi", false);
    for (dmr::ProcessSample &p : r.hardware.processes) {
        p.name.clear();
        p.nameIncluded = false;
    }
    QCOMPARE(cache.resolve(r), Outcome::Unknown);
    QCOMPARE(r.hardware.failedUnits->size(), std::size_t(2));
    const auto back = dmr::decodeHardwareRecord(dmr::encodeHardwareRecord(r.hardware));
    QVERIFY(back);
    QCOMPARE(back->failedUnits->size(), std::size_t(2));
    QCOMPARE(back->processes.size(), r.hardware.processes.size());
}

QTEST_GUILESS_MAIN(TestFactsCache)
#include "tst_factscache.moc"
