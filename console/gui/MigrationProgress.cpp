// SPDX-License-Identifier: MIT
#include "gui/MigrationProgress.h"

#include "store/Database.h"

#include <QEventLoop>
#include <QPointer>
#include <QProgressDialog>
#include <QThread>

namespace dmr::console {

bool migrateShowingProgress(const QString &databasePath, QString *error, int showAfterMs)
{
    QProgressDialog dialog(
        QObject::tr("Updating the database to this version of the console…"), QString(), 0, 0);
    dialog.setObjectName(QStringLiteral("migrationProgress"));
    dialog.setWindowTitle(QObject::tr("Device Metrics Console"));
    dialog.setWindowModality(Qt::ApplicationModal);
    dialog.setMinimumDuration(showAfterMs);
    dialog.setAutoClose(false);
    dialog.setAutoReset(false);
    dialog.setValue(0);
    QPointer<QProgressDialog> shown(&dialog);

    bool ok = false;
    QString failure;
    QThread *thread = QThread::create([&] {
        Database database(QStringLiteral("console-migration"));
        ok = database.open(databasePath, &failure)
            && database.migrate(&failure, [shown](int done, int total) {
                   QMetaObject::invokeMethod(
                       shown,
                       [shown, done, total] {
                           if (!shown)
                               return;
                           shown->setMaximum(total);
                           shown->setValue(done);
                           shown->setLabelText(
                               QObject::tr("Updating the database to this version of the "
                                           "console: step %1 of %2…")
                                   .arg(done + 1 > total ? total : done + 1)
                                   .arg(total));
                       },
                       Qt::QueuedConnection);
               });
    });
    QEventLoop loop;
    QObject::connect(thread, &QThread::finished, &loop, &QEventLoop::quit);
    thread->start();
    loop.exec();
    thread->wait();
    delete thread;
    if (!ok)
        *error = failure;
    return ok;
}

} // namespace dmr::console
