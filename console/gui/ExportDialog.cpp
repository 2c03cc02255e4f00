// SPDX-License-Identifier: MIT
#include "gui/ExportDialog.h"

#include "gui/DeviceTableModel.h"
#include "gui/Exporter.h"
#include "store/StoreReader.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QStandardPaths>
#include <QThread>
#include <QVBoxLayout>

namespace dmr::console {

namespace {

enum RangeChoice { LastHour, LastDay, LastWeek, Everything, Custom };

} // namespace

ExportDialog::ExportDialog(const QString &databasePath, const QStringList &uuids,
    DeviceTableModel *devices, QWidget *parent)
    : QDialog(parent)
    , m_databasePath(databasePath)
    , m_uuids(uuids)
    , m_range(new QComboBox(this))
    , m_from(new QDateTimeEdit(this))
    , m_to(new QDateTimeEdit(this))
    , m_network(new QCheckBox(tr("Network interfaces (interface, ip_address, mac_address, "
                                 "rx/tx bytes and packets)"),
          this))
    , m_resolution(new QComboBox(this))
    , m_format(new QComboBox(this))
    , m_path(new QLineEdit(this))
{
    setWindowTitle(tr("Export metrics"));
    QString who;
    if (uuids.isEmpty()) {
        who = tr("All %1 devices").arg(devices ? devices->rowCount() : 0);
    } else if (uuids.size() == 1 && devices && devices->rowFor(uuids.first())) {
        who = devices->rowFor(uuids.first())->name();
    } else {
        who = tr("%1 selected devices").arg(uuids.size());
    }

    // Item data: the tier's number, -1 for the finest that holds the range.
    m_resolution->addItem(tr("Finest kept: raw samples, or per minute or hour where retention "
                             "removed them"),
        -1);
    m_resolution->addItem(tr("Raw samples"), int(Tier::Raw));
    m_resolution->addItem(tr("Per minute (min, max, avg)"), int(Tier::Minute));
    m_resolution->addItem(tr("Per hour (min, max, avg)"), int(Tier::Hour));

    m_range->addItems(
        {tr("Last hour"), tr("Last 24 hours"), tr("Last 7 days"), tr("Everything"), tr("Custom")});
    m_range->setCurrentIndex(LastDay);
    const QDateTime now = QDateTime::currentDateTime();
    m_from->setDateTime(now.addDays(-1));
    m_to->setDateTime(now);
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        edit->setCalendarPopup(true);
        edit->setEnabled(false);
    }
    connect(m_range, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_from->setEnabled(index == Custom);
        m_to->setEnabled(index == Custom);
    });
    auto *rangeRow = new QHBoxLayout;
    rangeRow->addWidget(m_range);
    rangeRow->addWidget(m_from);
    rangeRow->addWidget(new QLabel(tr("to"), this));
    rangeRow->addWidget(m_to);

    auto *metricsBox = new QGroupBox(tr("Columns"), this);
    auto *metricsGrid = new QGridLayout(metricsBox);
    const QStringList &names = StoreReader::systemMetrics();
    for (int i = 0; i < names.size(); ++i) {
        auto *box = new QCheckBox(names.at(i), metricsBox);
        box->setChecked(true);
        m_metrics.append(box);
        metricsGrid->addWidget(box, i / 3, i % 3);
    }
    metricsGrid->addWidget(m_network, int(names.size() + 2) / 3, 0, 1, 3);

    m_format->addItem(tr("CSV (network rows in a second file, …-network.csv)"));
    m_format->addItem(tr("JSON (one document)"));
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    m_path->setText(QDir(folder.isEmpty() ? QDir::homePath() : folder)
                        .filePath(QStringLiteral("metrics-export.csv")));
    connect(m_format, &QComboBox::currentIndexChanged, this, [this](int index) {
        QString path = m_path->text();
        const QString from = index == 1 ? QStringLiteral(".csv") : QStringLiteral(".json");
        const QString to = index == 1 ? QStringLiteral(".json") : QStringLiteral(".csv");
        if (path.endsWith(from))
            m_path->setText(path.chopped(from.size()) + to);
    });
    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);

    auto *form = new QFormLayout;
    form->addRow(tr("Devices:"), new QLabel(who, this));
    form->addRow(tr("Range:"), rangeRow);
    form->addRow(tr("Resolution:"), m_resolution);
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("File:"), pathRow);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(metricsBox);
    layout->addWidget(buttons);
}

void ExportDialog::browse()
{
    const bool json = m_format->currentIndex() == 1;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export to"), m_path->text(), json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
    if (!path.isEmpty())
        m_path->setText(path);
}

ExportRequest ExportDialog::request() const
{
    ExportRequest request;
    request.uuids = m_uuids;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    request.toMs = now + 1;
    switch (m_range->currentIndex()) {
    case LastHour:
        request.fromMs = now - 3600 * 1000LL;
        break;
    case LastDay:
        request.fromMs = now - 86400 * 1000LL;
        break;
    case LastWeek:
        request.fromMs = now - 7 * 86400 * 1000LL;
        break;
    case Everything:
        request.fromMs = 0;
        request.toMs = std::numeric_limits<qint64>::max();
        break;
    default:
        request.fromMs = m_from->dateTime().toMSecsSinceEpoch();
        request.toMs = m_to->dateTime().toMSecsSinceEpoch() + 1;
    }
    for (const QCheckBox *box : m_metrics) {
        if (box->isChecked())
            request.systemMetrics.append(box->text());
    }
    request.network = m_network->isChecked();
    request.format
        = m_format->currentIndex() == 1 ? ExportRequest::Format::Json : ExportRequest::Format::Csv;
    const int tier = m_resolution->currentData().toInt();
    if (tier >= 0)
        request.tier = Tier(tier);
    request.path = m_path->text();
    return request;
}

void ExportDialog::accept()
{
    const ExportRequest job = request();
    if (job.systemMetrics.isEmpty() && !job.network) {
        QMessageBox::information(this, windowTitle(), tr("Choose at least one column."));
        return;
    }
    if (job.path.isEmpty())
        return;

    auto *thread = new QThread;
    auto *exporter = new Exporter(m_databasePath);
    exporter->moveToThread(thread);
    connect(thread, &QThread::finished, exporter, &QObject::deleteLater);
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);

    auto *progress = new QProgressDialog(tr("Exporting…"), tr("Cancel"), 0, 1000, this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(300);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    // cancel() is thread-safe: the export stops at its next row.
    connect(progress, &QProgressDialog::canceled, this, [exporter] { exporter->cancel(); });
    connect(exporter, &Exporter::progress, progress, [progress](qint64 done, qint64 total) {
        progress->setLabelText(tr("Exporting… %L1 of %L2 rows").arg(done).arg(total));
        progress->setValue(total > 0 ? int(done * 1000 / total) : 0);
    });
    connect(exporter, &Exporter::finished, this,
        [this, progress, thread](bool ok, const QString &message) {
            progress->deleteLater();
            thread->quit();
            if (ok) {
                QMessageBox::information(this, windowTitle(), message);
                QDialog::accept();
            } else {
                QMessageBox::warning(this, windowTitle(), message);
            }
        });
    thread->start();
    QMetaObject::invokeMethod(exporter, [exporter, job] { exporter->run(job); });
}

} // namespace dmr::console
