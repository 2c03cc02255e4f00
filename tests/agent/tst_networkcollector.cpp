// SPDX-License-Identifier: MIT
#include "NetworkCollector.h"
#include "dmr/Codec.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::NetworkCollector;

Q_DECLARE_METATYPE(std::vector<dmr::InterfaceSample>)

namespace {

dmr::InterfaceSample sample(const char *name, const char *ip, const char *mac, quint64 rxBytes,
    quint64 txBytes, quint64 rxPackets, quint64 txPackets)
{
    return dmr::InterfaceSample {name, ip, mac, rxBytes, txBytes, rxPackets, txPackets};
}

std::map<std::string, std::string> fixedAddresses()
{
    return {{"eth0", "192.168.1.23"}, {"wlan0", "2001:db8::23"}, {"eno1", "10.0.0.5"},
        {"lo", "127.0.0.1"}};
}

QString fixture(const QString &tree)
{
    return QStringLiteral(DMR_TEST_DATA "/") + tree;
}

char *describe(const std::vector<dmr::InterfaceSample> &list)
{
    QByteArray text;
    for (const dmr::InterfaceSample &s : list)
        text += QByteArray::fromStdString(s.name + " ip=" + s.ipAddress + " mac=" + s.macAddress
            + " rx=" + std::to_string(s.rxBytes) + "/" + std::to_string(s.rxPackets)
            + " tx=" + std::to_string(s.txBytes) + "/" + std::to_string(s.txPackets) + "; ");
    return qstrdup(text.constData());
}

} // namespace

class TestNetworkCollector : public QObject
{
    Q_OBJECT

private slots:
    void fixtures_data()
    {
        using List = std::vector<dmr::InterfaceSample>;
        QTest::addColumn<QString>("tree");
        QTest::addColumn<bool>("includeLo");
        QTest::addColumn<List>("expected");
        QTest::newRow("raspberry pi") << "proc-rpi" << false
                                      << List {sample("eth0", "192.168.1.23", "dc:a6:32:12:34:56",
                                                   987654321, 123456789, 765432, 345678),
                                             sample("wlan0", "2001:db8::23", "dc:a6:32:12:34:57",
                                                 5432109, 1234567, 23456, 12345)};
        QTest::newRow("raspberry pi with lo")
            << "proc-rpi" << true
            << List {sample("lo", "127.0.0.1", "00:00:00:00:00:00", 123456, 123456, 1234, 1234),
                   sample("eth0", "192.168.1.23", "dc:a6:32:12:34:56", 987654321, 123456789, 765432,
                       345678),
                   sample("wlan0", "2001:db8::23", "dc:a6:32:12:34:57", 5432109, 1234567, 23456,
                       12345)};
        QTest::newRow("server, big counters")
            << "proc-server" << false
            << List {sample("eno1", "10.0.0.5", "3c:ec:ef:01:02:03", 18446744073709551000ull,
                         9876543210987654ull, 987654321098ull, 876543210987ull),
                   sample("eno2", "", "3c:ec:ef:01:02:04", 123456789012345ull, 234567890123456ull,
                       98765432109ull, 87654321098ull),
                   sample("enp65s0f0", "", "b4:96:91:aa:bb:cc", 9876543210ull, 8765432109ull,
                       12345678, 11234567),
                   sample("docker0", "", "02:42:ac:11:00:01", 12345, 67890, 123, 456),
                   sample("veth1a2b3c4", "", "6a:1f:22:33:44:55", 23456, 34567, 234, 345)};
        QTest::newRow("laptop") << "proc-laptop" << false
                                << List {sample("enp0s31f6", "", "8c:16:45:ab:cd:ef", 0, 0, 0, 0),
                                       sample("wlan0", "2001:db8::23", "a0:a4:c5:12:ab:cd",
                                           3456789012ull, 456789012, 2345678, 1234567),
                                       sample("docker0", "", "02:42:5e:6f:70:81", 0, 0, 0, 0)};
        // No blank after the colon; upper-case MAC normalised.
        QTest::newRow("old kernel") << "proc-oldkernel" << false
                                    << List {sample("eth0", "192.168.1.23", "00:0c:29:ab:cd:ef",
                                           12345678, 2345678, 23456, 12345)};
        // The line above 2^64 is skipped, the one at 2^64-1 kept; no MAC file for eth1 anyway.
        QTest::newRow("counters at 2^64-1")
            << "proc-bigcounters" << false
            << List {sample("eth0", "192.168.1.23", "02:00:00:00:00:01", 18446744073709551615ull,
                   18446744073709551613ull, 18446744073709551614ull, 18446744073709551612ull)};
    }
    void fixtures()
    {
        QFETCH(QString, tree);
        QFETCH(bool, includeLo);
        QFETCH(std::vector<dmr::InterfaceSample>, expected);
        NetworkCollector collector(fixture(tree).toStdString(), includeLo, fixedAddresses);
        auto result = collector.collect();
        QVERIFY2(result.ok(), result.error().c_str());
        QVERIFY2(result.value() == expected,
            qPrintable(
                QString("got %1\nexpected %2").arg(describe(result.value()), describe(expected))));
    }

    void skippedLinesAreCounted()
    {
        NetworkCollector collector(
            fixture("proc-bigcounters").toStdString(), false, fixedAddresses);
        QVERIFY(collector.collect().ok());
        QCOMPARE(collector.skippedLines(), 1);
    }

    void badFiles_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("garbage") << "proc-garbage"
                                 << "no interface line";
        QTest::newRow("truncated") << "proc-truncated"
                                   << "no interface line";
        QTest::newRow("empty") << "proc-empty"
                               << "is empty";
        QTest::newRow("missing") << "no-such-tree"
                                 << "cannot open";
    }
    void badFiles()
    {
        QFETCH(QString, tree);
        QFETCH(QString, errorPart);
        NetworkCollector collector(fixture(tree).toStdString(), false, fixedAddresses);
        auto result = collector.collect();
        QVERIFY(!result.ok());
        QVERIFY2(
            QString::fromStdString(result.error()).contains(errorPart), result.error().c_str());
    }

    void headersOnlyMeansNoInterfaces()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("proc/net"));
        QFile file(dir.filePath("proc/net/dev"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("Inter-|   Receive\n face |bytes\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
        file.close();
        auto result = NetworkCollector(dir.path().toStdString(), false, fixedAddresses).collect();
        QVERIFY(result.ok());
        QVERIFY(result.value().empty());
    }

    void atMost32InterfacesAndHugeLines()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("proc/net"));
        QFile file(dir.filePath("proc/net/dev"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("Inter-|   Receive\n face |bytes\n");
        file.write(QByteArray(300000, 'x') + "\n");
        for (int i = 0; i < 40; ++i)
            file.write(QString("veth%1: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n").arg(i).toLatin1());
        file.close();
        NetworkCollector collector(dir.path().toStdString(), false, {});
        auto result = collector.collect();
        QVERIFY2(result.ok(), result.error().c_str());
        // The file is cut at 256 KiB, inside the huge line, and the partial
        // line is dropped: what is left is the header.
        QVERIFY(result.value().empty());

        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("Inter-|   Receive\n face |bytes\n");
        file.write(QByteArray(5000, 'x') + "\n");
        for (int i = 0; i < 40; ++i)
            file.write(QString("veth%1: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n").arg(i).toLatin1());
        file.close();
        result = collector.collect();
        QVERIFY(result.ok());
        QCOMPARE(result.value().size(), dmr::kMaxInterfaces);
        QCOMPARE(result.value().front().name, std::string("veth0"));
        QCOMPARE(result.value().front().macAddress, std::string());
        QCOMPARE(collector.skippedLines(), 1);
    }

    void addressesAndMacsAreCached()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("proc/net"));
        QDir().mkpath(dir.filePath("sys/class/net/eth0"));
        auto write = [&dir](const QString &name, const QByteArray &content) {
            QFile file(dir.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(content);
        };
        const QByteArray header = "Inter-|   Receive\n face |bytes\n";
        write("proc/net/dev", header + "eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
        write("sys/class/net/eth0/address", "02:00:00:00:00:01\n");
        int lookups = 0;
        NetworkCollector collector(dir.path().toStdString(), false, [&lookups] {
            ++lookups;
            return std::map<std::string, std::string> {
                {"eth0", "10.0.0." + std::to_string(lookups)}};
        });

        QCOMPARE(collector.collect().value().at(0).ipAddress, std::string("10.0.0.1"));
        write("sys/class/net/eth0/address", "02:00:00:00:00:02\n");
        auto cached = collector.collect().value().at(0);
        QCOMPARE(lookups, 1);
        QCOMPARE(cached.ipAddress, std::string("10.0.0.1"));
        QCOMPARE(cached.macAddress, std::string("02:00:00:00:00:01"));

        // A new interface refreshes both at once.
        write("proc/net/dev",
            header
                + "eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\nwlan0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 "
                  "0\n");
        auto refreshed = collector.collect().value();
        QCOMPARE(lookups, 2);
        QCOMPARE(refreshed.at(0).macAddress, std::string("02:00:00:00:00:02"));
        QCOMPARE(refreshed.at(1).macAddress, std::string());

        collector.setRefreshPeriods(0, 0);
        collector.collect();
        QCOMPARE(lookups, 3);
    }

    void normalizeMac_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << "dc:a6:32:12:34:56\n"
                               << "dc:a6:32:12:34:56";
        QTest::newRow("upper case") << "DC:A6:32:12:34:5F"
                                    << "dc:a6:32:12:34:5f";
        QTest::newRow("infiniband 20 octets")
            << "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c"
            << "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c";
        QTest::newRow("dashes") << "dc-a6-32-12-34-56"
                                << "";
        QTest::newRow("short octet") << "dc:a6:3:12:34:56"
                                     << "";
        QTest::newRow("empty") << ""
                               << "";
        QTest::newRow("garbage") << "zz:zz:zz:zz:zz:zz"
                                 << "";
    }
    void normalizeMac()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(
            QString::fromStdString(NetworkCollector::normalizeMac(text.toStdString())), expected);
    }

    void systemAddressesAreAddresses()
    {
        // Whatever this machine has: every entry must be an address text the codec accepts.
        for (const auto &[name, address] : NetworkCollector::systemAddresses()) {
            QVERIFY(!name.empty());
            QVERIFY2(QHostAddress(QString::fromStdString(address)).protocol()
                        != QAbstractSocket::UnknownNetworkLayerProtocol
                    || address.empty(),
                address.c_str());
            QVERIFY2(!QString::fromStdString(address).startsWith("fe80"), address.c_str());
        }
        // lo has 127.0.0.1 nearly everywhere; prefer IPv4 over ::1.
        const auto addresses = NetworkCollector::systemAddresses();
        const auto lo = addresses.find("lo");
        if (lo != addresses.end())
            QCOMPARE(QString::fromStdString(lo->second), QString("127.0.0.1"));
    }
};

QTEST_GUILESS_MAIN(TestNetworkCollector)
#include "tst_networkcollector.moc"
