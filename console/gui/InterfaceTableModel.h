// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QAbstractTableModel>
#include <vector>

// The interfaces of one device as last reported: name, addresses, counters.
class InterfaceTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Ip, Mac, RxBytes, TxBytes, RxPackets, TxPackets, ColumnCount };

    explicit InterfaceTableModel(QObject *parent = nullptr);

    void setInterfaces(const std::vector<dmr::InterfaceSample> &interfaces);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<dmr::InterfaceSample> m_interfaces;
};
