// SPDX-License-Identifier: MIT
#include "gui/InterfaceTableModel.h"

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QTest>

using namespace dmr::console;

namespace {

dmr::InterfaceSample eth0(quint64 rx, quint64 tx)
{
    return {"eth0", "192.168.1.23", "dc:a6:32:01:02:03", rx, tx, 3141592, 2718281};
}

} // namespace

class TestInterfaceTableModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

    // Counters as people read them, the exact value a hover away.
    void showsHumanUnitsWithRawTooltips()
    {
        InterfaceTableModel model;
        QAbstractItemModelTester tester(&model);
        model.setInterfaces({eth0(4190396579, 52000)}, 1795000000000);
        QCOMPARE(model.rowCount(), 1);
        auto text = [&model](int column, int role = Qt::DisplayRole) {
            return model.data(model.index(0, column), role).toString();
        };
        QCOMPARE(text(InterfaceTableModel::Name), QStringLiteral("eth0"));
        QCOMPARE(text(InterfaceTableModel::RxBytes), QStringLiteral("4.2 GB"));
        QCOMPARE(text(InterfaceTableModel::TxBytes), QStringLiteral("52.0 kB"));
        QCOMPARE(text(InterfaceTableModel::RxBytes, Qt::ToolTipRole),
            QStringLiteral("4,190,396,579 bytes"));
        QCOMPARE(text(InterfaceTableModel::RxPackets), QStringLiteral("3,141,592"));
        QCOMPARE(text(InterfaceTableModel::TxPackets, Qt::ToolTipRole),
            QStringLiteral("2,718,281 packets"));
        // One report: no rate yet.
        QCOMPARE(text(InterfaceTableModel::RxRate), QStringLiteral("–"));
        QCOMPARE(model.headerData(InterfaceTableModel::RxBytes, Qt::Horizontal).toString(),
            QStringLiteral("Received"));
        QCOMPARE(model.headerData(InterfaceTableModel::RxBytes, Qt::Horizontal, Qt::ToolTipRole)
                     .toString(),
            QStringLiteral("rx_bytes"));
    }

    void ratesFromTheLastTwoReports()
    {
        InterfaceTableModel model;
        QAbstractItemModelTester tester(&model);
        auto text = [&model](int column, int role = Qt::DisplayRole) {
            return model.data(model.index(0, column), role).toString();
        };
        model.setInterfaces({eth0(1000000, 5000)}, 1795000000000);
        // 10 s later: 1.25 MB in, 20 kB out.
        model.setInterfaces({eth0(2250000, 25000)}, 1795000010000);
        QCOMPARE(text(InterfaceTableModel::RxRate), QStringLiteral("125 kB/s"));
        QCOMPARE(text(InterfaceTableModel::TxRate), QStringLiteral("2.0 kB/s"));
        QCOMPARE(text(InterfaceTableModel::RxRate, Qt::ToolTipRole),
            QStringLiteral("125000.0 bytes/s over the last two reports"));
        // The same report again (a status change) keeps its rate.
        model.setInterfaces({eth0(2250000, 25000)}, 1795000010000);
        QCOMPARE(text(InterfaceTableModel::RxRate), QStringLiteral("125 kB/s"));
        // A counter that went back (the device rebooted): no rate, not a huge one.
        model.setInterfaces({eth0(100, 25100)}, 1795000020000);
        QCOMPARE(text(InterfaceTableModel::RxRate), QStringLiteral("–"));
        QCOMPARE(text(InterfaceTableModel::TxRate), QStringLiteral("10 B/s"));
        // And from there on again.
        model.setInterfaces({eth0(10100, 25100)}, 1795000030000);
        QCOMPARE(text(InterfaceTableModel::RxRate), QStringLiteral("1.0 kB/s"));
    }

    void newInterfaceHasNoRateUntilItsSecondReport()
    {
        InterfaceTableModel model;
        QAbstractItemModelTester tester(&model);
        model.setInterfaces({eth0(1000, 1000)}, 1795000000000);
        dmr::InterfaceSample wlan0 = eth0(50, 50);
        wlan0.name = "wlan0";
        model.setInterfaces({eth0(2000, 1000), wlan0}, 1795000010000);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(0, InterfaceTableModel::RxRate)).toString(),
            QStringLiteral("100 B/s"));
        QCOMPARE(model.data(model.index(1, InterfaceTableModel::RxRate)).toString(),
            QStringLiteral("–"));
    }
};

QTEST_MAIN(TestInterfaceTableModel)
#include "tst_interfacetablemodel.moc"
