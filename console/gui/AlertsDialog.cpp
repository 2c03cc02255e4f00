// SPDX-License-Identifier: MIT
#include "gui/AlertsDialog.h"

#include "alerts/AlertService.h"
#include "gui/AlertTableModel.h"
#include "service/ConsoleService.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>
#include <memory>

namespace dmr::console {

namespace {

// The history of the dialog: enough for days of a busy fleet, small enough
// to read at once.
constexpr int kHistoryLimit = 500;

bool firing(const QJsonObject &alert)
{
    return alert.value(QLatin1String("state")).toString() == QLatin1String("firing");
}

qint64 idOf(const QJsonObject &alert)
{
    return qint64(alert.value(QLatin1String("id")).toDouble());
}

} // namespace

AlertsDialog::AlertsDialog(ConsoleService *service, QWidget *parent)
    : QDialog(parent)
    , m_client(service)
    , m_model(new AlertTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
    , m_show(new QComboBox(this))
    , m_status(new QLabel(this))
    , m_acknowledge(new QPushButton(tr("&Acknowledge"), this))
    , m_silence(new QPushButton(tr("&Silence for"), this))
{
    setWindowTitle(tr("Alerts"));
    resize(1100, 560);
    m_show->addItem(tr("Firing and recent history"), int(Show::History));
    m_show->addItem(tr("Firing only"), int(Show::Firing));
    connect(m_show, &QComboBox::currentIndexChanged, this, &AlertsDialog::refresh);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(AlertTableModel::SortRole);
    m_proxy->setDynamicSortFilter(true);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(AlertTableModel::Raised, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(AlertTableModel::Summary, 320);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &AlertsDialog::updateButtons);
    // A selected alert acknowledged or resolved meanwhile, by anyone.
    connect(m_model, &QAbstractItemModel::modelReset, this, &AlertsDialog::updateButtons);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &AlertsDialog::updateButtons);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &AlertsDialog::updateButtons);

    auto *silenceMenu = new QMenu(m_silence);
    const std::pair<QString, int> durations[]
        = {{tr("1 hour"), 60}, {tr("4 hours"), 240}, {tr("24 hours"), 1440}};
    for (const auto &[text, minutes] : durations) {
        silenceMenu->addAction(text, this, [this, minutes = minutes] { silenceSelected(minutes); });
    }
    silenceMenu->addAction(tr("Custom…"), this, &AlertsDialog::silenceCustom);
    silenceMenu->addSeparator();
    silenceMenu->addAction(tr("End the silence"), this, [this] { silenceSelected(0); });
    m_silence->setMenu(silenceMenu);
    m_acknowledge->setToolTip(
        tr("No more reminders of the selected alerts; the history records who acknowledged "
           "them (%1).")
            .arg(AlertClient::user()));
    connect(m_acknowledge, &QPushButton::clicked, this, &AlertsDialog::acknowledgeSelected);
    auto *reload = new QPushButton(tr("&Refresh"), this);
    connect(reload, &QPushButton::clicked, this, &AlertsDialog::refresh);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show:"), this));
    top->addWidget(m_show);
    top->addStretch(1);
    top->addWidget(reload);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_acknowledge);
    buttons->addWidget(m_silence);
    buttons->addStretch(1);
    buttons->addWidget(close);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    layout->addLayout(buttons);

    // Queued from the alerting thread: raised, cleared, acknowledged (here or
    // by anyone else) or silenced, a batch at a time.
    if (AlertService *alerts = service->alerts())
        connect(alerts, &AlertService::alertsChanged, m_model, &AlertTableModel::apply);
    updateButtons();
    refresh();
}

void AlertsDialog::refresh()
{
    const bool firingOnly = Show(m_show->currentData().toInt()) == Show::Firing;
    QUrlQuery query;
    query.addQueryItem(
        QStringLiteral("state"), firingOnly ? QStringLiteral("firing") : QStringLiteral("all"));
    query.addQueryItem(QStringLiteral("limit"), QString::number(kHistoryLimit));
    m_client.get(
        {QStringLiteral("alerts")}, this,
        [this, firingOnly](const AlertClient::Answer &answer) {
            if (!answer.ok()) {
                showError(tr("Cannot read the alerts: %1").arg(answer.error));
            } else {
                const QJsonArray alerts = answer.json.toArray();
                m_model->setAlerts(alerts, firingOnly);
                qsizetype count = 0;
                for (const QJsonValue &alert : alerts)
                    count += firing(alert.toObject()) ? 1 : 0;
                showInfo(tr("%n alert(s) firing.", nullptr, int(count)));
            }
            emit answered();
        },
        query);
}

QList<QJsonObject> AlertsDialog::selectedAlerts() const
{
    QList<QJsonObject> alerts;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        alerts.append(m_model->alert(m_proxy->mapToSource(index).row()));
    return alerts;
}

bool AlertsDialog::selectAlert(qint64 id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
    return true;
}

void AlertsDialog::updateButtons()
{
    bool anyFiring = false;
    bool anyToAcknowledge = false;
    for (const QJsonObject &alert : selectedAlerts()) {
        anyFiring = anyFiring || firing(alert);
        anyToAcknowledge = anyToAcknowledge
            || (firing(alert) && alert.value(QLatin1String("acknowledged_at")).isNull());
    }
    m_acknowledge->setEnabled(anyToAcknowledge);
    m_silence->setEnabled(anyFiring);
}

void AlertsDialog::acknowledgeSelected()
{
    QList<qint64> ids;
    for (const QJsonObject &alert : selectedAlerts()) {
        if (firing(alert) && alert.value(QLatin1String("acknowledged_at")).isNull())
            ids.append(idOf(alert));
    }
    // The user goes with the request (AlertClient): no "by" that anyone could type.
    changeEach(
        ids, QStringLiteral("ack"), {}, tr("%n alert(s) acknowledged.", nullptr, int(ids.size())));
}

void AlertsDialog::silenceSelected(int minutes)
{
    QList<qint64> ids;
    for (const QJsonObject &alert : selectedAlerts()) {
        if (firing(alert))
            ids.append(idOf(alert));
    }
    const QString done = minutes > 0
        ? tr("%n alert(s) silenced for %1.", nullptr, int(ids.size()))
              .arg(minutes % 60 == 0 ? tr("%n hour(s)", nullptr, minutes / 60)
                                     : tr("%n minute(s)", nullptr, minutes))
        : tr("The silence of %n alert(s) ended.", nullptr, int(ids.size()));
    changeEach(ids, QStringLiteral("silence"), {{QStringLiteral("minutes"), minutes}}, done);
}

void AlertsDialog::silenceCustom()
{
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Silence alerts"));
    dialog->setLabelText(tr("Silence the selected alerts for how many hours?"));
    dialog->setInputMode(QInputDialog::IntInput);
    // The service's limit: 30 days.
    dialog->setIntRange(1, 30 * 24);
    dialog->setIntValue(8);
    connect(dialog, &QInputDialog::intValueSelected, this,
        [this](int hours) { silenceSelected(hours * 60); });
    dialog->open();
}

void AlertsDialog::changeEach(
    const QList<qint64> &ids, const QString &action, const QJsonObject &body, const QString &done)
{
    if (ids.isEmpty())
        return;
    struct Progress
    {
        qsizetype left = 0;
        QStringList errors;
    };
    auto progress = std::make_shared<Progress>();
    progress->left = ids.size();
    showInfo(tr("Sending…"));
    for (const qint64 id : ids) {
        m_client.send(QByteArrayLiteral("POST"),
            {QStringLiteral("alerts"), QString::number(id), action}, body, this,
            [this, progress, id, done](const AlertClient::Answer &answer) {
                // alertsChanged brings the same; applying the answer now
                // shows it even when alerting's signal comes later.
                if (answer.ok())
                    m_model->apply(QJsonArray {answer.json});
                else
                    progress->errors << tr("alert %1: %2").arg(id).arg(answer.error);
                if (--progress->left > 0)
                    return;
                if (progress->errors.isEmpty())
                    showInfo(done);
                else
                    showError(tr("Not done: %1").arg(progress->errors.join(QStringLiteral("; "))));
                emit answered();
            });
    }
}

void AlertsDialog::showError(const QString &text)
{
    m_status->setStyleSheet(QStringLiteral("QLabel { color: #c0392b; }"));
    m_status->setText(text);
}

void AlertsDialog::showInfo(const QString &text)
{
    m_status->setStyleSheet(QString());
    m_status->setText(text);
}

} // namespace dmr::console
