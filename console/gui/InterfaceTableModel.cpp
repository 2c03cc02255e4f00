// SPDX-License-Identifier: MIT
#include "InterfaceTableModel.h"

#include "HumanFormat.h"

InterfaceTableModel::InterfaceTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void InterfaceTableModel::setInterfaces(const std::vector<dmr::InterfaceSample> &interfaces)
{
    bool sameRows = interfaces.size() == m_interfaces.size();
    for (std::size_t i = 0; sameRows && i < interfaces.size(); ++i)
        sameRows = interfaces[i].name == m_interfaces[i].name;
    if (!sameRows) {
        beginResetModel();
        m_interfaces = interfaces;
        endResetModel();
        return;
    }
    m_interfaces = interfaces;
    if (!m_interfaces.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int InterfaceTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_interfaces.size());
}

int InterfaceTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant InterfaceTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const dmr::InterfaceSample &i = m_interfaces[std::size_t(index.row())];
    if (role == Qt::TextAlignmentRole && index.column() >= RxBytes)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && (index.column() == RxBytes || index.column() == TxBytes))
        return HumanFormat::bytes(double(index.column() == RxBytes ? i.rxBytes : i.txBytes));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name:
        return QString::fromStdString(i.name);
    case Ip:
        return QString::fromStdString(i.ipAddress);
    case Mac:
        return QString::fromStdString(i.macAddress);
    case RxBytes:
        return qulonglong(i.rxBytes);
    case TxBytes:
        return qulonglong(i.txBytes);
    case RxPackets:
        return qulonglong(i.rxPackets);
    case TxPackets:
        return qulonglong(i.txPackets);
    default:
        return {};
    }
}

QVariant InterfaceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    // DESIGN.md's field names: what export and the REST API call them too.
    static const char *const names[ColumnCount] = {"interface", "ip_address", "mac_address",
        "rx_bytes", "tx_bytes", "rx_packets", "tx_packets"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QVariant();
}
