// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QAbstractTableModel>
#include <QHash>
#include <optional>
#include <vector>

namespace dmr::console {

// The interfaces of one device as last reported: name, addresses, traffic as
// people read it (totals in kB/MB/GB, rates from the last two reports), and
// the raw counters in each cell's tooltip, as the web page shows them.
class InterfaceTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Name,
        Ip,
        Mac,
        RxRate,
        TxRate,
        RxBytes,
        TxBytes,
        RxPackets,
        TxPackets,
        ColumnCount
    };

    explicit InterfaceTableModel(QObject *parent = nullptr);

    // The device's interfaces as sampled at sampleTimeMs. A rate needs the
    // same interface in an earlier sample; a counter that went back (a
    // reboot, a wrap) shows no rate until the next sample.
    void setInterfaces(const std::vector<dmr::InterfaceSample> &interfaces, qint64 sampleTimeMs);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        dmr::InterfaceSample sample;
        std::optional<double> rxRate; // bytes per second
        std::optional<double> txRate;
    };
    struct Previous
    {
        qint64 timeMs = 0;
        dmr::InterfaceSample sample;
        std::optional<double> rxRate;
        std::optional<double> txRate;
    };

    std::vector<Row> m_rows;
    QHash<QString, Previous> m_previous; // by interface name
};

} // namespace dmr::console
