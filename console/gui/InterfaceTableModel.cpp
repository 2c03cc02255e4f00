// SPDX-License-Identifier: MIT
#include "gui/InterfaceTableModel.h"

#include "gui/HumanFormat.h"

#include <QLocale>

namespace dmr::console {

namespace {

std::optional<double> rateOf(quint64 before, quint64 after, qint64 elapsedMs)
{
    if (elapsedMs <= 0 || after < before)
        return std::nullopt;
    return double(after - before) * 1000.0 / double(elapsedMs);
}

QString exact(quint64 value, const char *unit)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(qulonglong(value)), QLatin1String(unit));
}

} // namespace

InterfaceTableModel::InterfaceTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void InterfaceTableModel::setInterfaces(
    const std::vector<dmr::InterfaceSample> &interfaces, qint64 sampleTimeMs)
{
    std::vector<Row> rows;
    rows.reserve(interfaces.size());
    for (const dmr::InterfaceSample &sample : interfaces) {
        const QString name = QString::fromStdString(sample.name);
        Row row {sample, std::nullopt, std::nullopt};
        auto previous = m_previous.find(name);
        if (previous != m_previous.end() && previous->timeMs == sampleTimeMs) {
            // The same sample again (a status change, a refresh): same rates.
            row.rxRate = previous->rxRate;
            row.txRate = previous->txRate;
        } else if (previous != m_previous.end() && previous->timeMs < sampleTimeMs) {
            const qint64 elapsed = sampleTimeMs - previous->timeMs;
            row.rxRate = rateOf(previous->sample.rxBytes, sample.rxBytes, elapsed);
            row.txRate = rateOf(previous->sample.txBytes, sample.txBytes, elapsed);
        }
        if (previous == m_previous.end() || previous->timeMs <= sampleTimeMs)
            m_previous.insert(name, {sampleTimeMs, sample, row.rxRate, row.txRate});
        rows.push_back(std::move(row));
    }

    bool sameRows = rows.size() == m_rows.size();
    for (std::size_t i = 0; sameRows && i < rows.size(); ++i)
        sameRows = rows[i].sample.name == m_rows[i].sample.name;
    if (!sameRows) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    m_rows = std::move(rows);
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int InterfaceTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int InterfaceTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant InterfaceTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[std::size_t(index.row())];
    const dmr::InterfaceSample &i = row.sample;
    const int column = index.column();
    if (role == Qt::TextAlignmentRole && column >= RxRate)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        switch (column) {
        case RxRate:
        case TxRate: {
            const std::optional<double> rate = column == RxRate ? row.rxRate : row.txRate;
            return rate ? tr("%1 bytes/s over the last two reports").arg(*rate, 0, 'f', 1)
                        : tr("needs two reports of this interface");
        }
        case RxBytes:
            return exact(i.rxBytes, "bytes");
        case TxBytes:
            return exact(i.txBytes, "bytes");
        case RxPackets:
            return exact(i.rxPackets, "packets");
        case TxPackets:
            return exact(i.txPackets, "packets");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Name:
        return QString::fromStdString(i.name);
    case Ip:
        return QString::fromStdString(i.ipAddress);
    case Mac:
        return QString::fromStdString(i.macAddress);
    case RxRate:
        return row.rxRate ? HumanFormat::rate(*row.rxRate) : QStringLiteral("–");
    case TxRate:
        return row.txRate ? HumanFormat::rate(*row.txRate) : QStringLiteral("–");
    case RxBytes:
        return HumanFormat::bytes(double(i.rxBytes));
    case TxBytes:
        return HumanFormat::bytes(double(i.txBytes));
    case RxPackets:
        return QLocale().toString(qulonglong(i.rxPackets));
    case TxPackets:
        return QLocale().toString(qulonglong(i.txPackets));
    default:
        return {};
    }
}

QVariant InterfaceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        static const char *const titles[ColumnCount]
            = {QT_TR_NOOP("Interface"), QT_TR_NOOP("Address"), QT_TR_NOOP("MAC"),
                QT_TR_NOOP("Receiving"), QT_TR_NOOP("Sending"), QT_TR_NOOP("Received"),
                QT_TR_NOOP("Sent"), QT_TR_NOOP("Packets in"), QT_TR_NOOP("Packets out")};
        return tr(titles[section]);
    }
    if (role == Qt::ToolTipRole) {
        // DESIGN.md's field names: what export and the REST API call them.
        static const char *const fields[ColumnCount]
            = {"interface", "ip_address", "mac_address", "rx_bytes per second",
                "tx_bytes per second", "rx_bytes", "tx_bytes", "rx_packets", "tx_packets"};
        return QString::fromLatin1(fields[section]);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

} // namespace dmr::console
