// SPDX-License-Identifier: MIT
#include "store/PostgresSchema.h"

#include "store/AccountSchema.h"
#include "store/HardwareTable.h"
#include "store/SystemFields.h"

namespace dmr::console::PostgresSchema {

namespace {

// A partitioned table's DEFAULT partition: rows of a time no partition
// covers yet land there, and PartitionManager moves them out.
QString defaultPartition(const QString &table)
{
    return QStringLiteral("CREATE TABLE %1_default PARTITION OF %1 DEFAULT").arg(table);
}

QStringList systemRollup(const QString &table)
{
    QString create = QStringLiteral("CREATE TABLE %1 (device BIGINT NOT NULL, ts BIGINT NOT NULL,"
                                    " samples BIGINT NOT NULL, first_ts BIGINT NOT NULL,"
                                    " last_ts BIGINT NOT NULL")
                         .arg(table);
    for (const QString &metric : SystemFields::names())
        create += QStringLiteral(", %1_min DOUBLE PRECISION NOT NULL,"
                                 " %1_max DOUBLE PRECISION NOT NULL,"
                                 " %1_sum DOUBLE PRECISION NOT NULL")
                      .arg(metric);
    create += QStringLiteral(", PRIMARY KEY (device, ts)) PARTITION BY RANGE (ts)");
    return {create, defaultPartition(table)};
}

QStringList networkRollup(const QString &table)
{
    return {QStringLiteral("CREATE TABLE %1 (device BIGINT NOT NULL, ts BIGINT NOT NULL,"
                           " interface VARCHAR(15) COLLATE \"C\" NOT NULL,"
                           " samples BIGINT NOT NULL, first_ts BIGINT NOT NULL,"
                           " last_ts BIGINT NOT NULL,"
                           " rx_rate_min DOUBLE PRECISION, rx_rate_max DOUBLE PRECISION,"
                           " tx_rate_min DOUBLE PRECISION, tx_rate_max DOUBLE PRECISION,"
                           " rx_bytes_sum BIGINT NOT NULL DEFAULT 0,"
                           " tx_bytes_sum BIGINT NOT NULL DEFAULT 0,"
                           " PRIMARY KEY (device, ts, interface)) PARTITION BY RANGE (ts)")
                .arg(table),
        defaultPartition(table)};
}

QStringList version1()
{
    QStringList statements = {
        // Rows change in place at every report (counters, windows): space
        // left in each page lets PostgreSQL update without touching indexes.
        QStringLiteral("CREATE TABLE devices ("
                       " id BIGSERIAL PRIMARY KEY,"
                       " uuid VARCHAR(36) COLLATE \"C\" NOT NULL UNIQUE,"
                       " device_id VARCHAR(64) COLLATE \"C\" NOT NULL UNIQUE,"
                       " hostname VARCHAR(253) COLLATE \"C\" NOT NULL DEFAULT '',"
                       " agent_version VARCHAR(32) NOT NULL DEFAULT '',"
                       " interval_seconds INTEGER NOT NULL DEFAULT 10,"
                       " created_at BIGINT NOT NULL,"
                       " updated_at BIGINT NOT NULL,"
                       " last_seen BIGINT NOT NULL,"
                       " reports_received BIGINT NOT NULL DEFAULT 0,"
                       " reports_lost BIGINT NOT NULL DEFAULT 0,"
                       " run_id BIGINT NOT NULL DEFAULT 0,"
                       " last_sequence BIGINT NOT NULL DEFAULT 0,"
                       " stored_sequence BIGINT NOT NULL DEFAULT 0,"
                       " stored_above TEXT NOT NULL DEFAULT '',"
                       " display_name VARCHAR(253) COLLATE \"C\" NOT NULL DEFAULT '',"
                       " maintenance_until BIGINT NOT NULL DEFAULT 0)"
                       " WITH (fillfactor = 70)"),
        // No foreign keys on the metric tables: their check would cost every
        // insert a lookup; the writer and DeviceLifecycle keep them consistent,
        // as on SQLite (which does not enforce them).
        QStringLiteral("CREATE TABLE system_metrics ("
                       " device BIGINT NOT NULL,"
                       " ts BIGINT NOT NULL,"
                       " cpu_percent DOUBLE PRECISION NOT NULL,"
                       " memory_percent DOUBLE PRECISION NOT NULL,"
                       " memory_used_kb BIGINT NOT NULL,"
                       " memory_total_kb BIGINT NOT NULL,"
                       " disk_percent DOUBLE PRECISION NOT NULL,"
                       " disk_used_kb BIGINT NOT NULL,"
                       " disk_total_kb BIGINT NOT NULL,"
                       " load_1 DOUBLE PRECISION NOT NULL,"
                       " load_5 DOUBLE PRECISION NOT NULL,"
                       " load_15 DOUBLE PRECISION NOT NULL,"
                       " uptime_seconds BIGINT NOT NULL,"
                       " run_id BIGINT NOT NULL,"
                       " sequence BIGINT NOT NULL,"
                       " disk_available_kb BIGINT NOT NULL DEFAULT 0)"
                       " PARTITION BY RANGE (ts)"),
        QStringLiteral("CREATE INDEX system_metrics_device_ts ON system_metrics (device, ts)"),
        defaultPartition(QStringLiteral("system_metrics")),
        QStringLiteral("CREATE TABLE network_metrics ("
                       " device BIGINT NOT NULL,"
                       " ts BIGINT NOT NULL,"
                       " interface VARCHAR(15) COLLATE \"C\" NOT NULL,"
                       " ip_address VARCHAR(45) NOT NULL,"
                       " mac_address VARCHAR(59) NOT NULL,"
                       " rx_bytes BIGINT NOT NULL,"
                       " tx_bytes BIGINT NOT NULL,"
                       " rx_packets BIGINT NOT NULL,"
                       " tx_packets BIGINT NOT NULL)"
                       " PARTITION BY RANGE (ts)"),
        QStringLiteral("CREATE INDEX network_metrics_device_ts ON network_metrics (device, ts)"),
        defaultPartition(QStringLiteral("network_metrics")),
    };
    statements += systemRollup(QStringLiteral("system_metrics_1m"));
    statements += systemRollup(QStringLiteral("system_metrics_1h"));
    statements += networkRollup(QStringLiteral("network_metrics_1m"));
    statements += networkRollup(QStringLiteral("network_metrics_1h"));
    statements += {
        // Chunks by tier (kinds 1-2 raw, 3-4 minutes, 5-6 hours), each tier by
        // time: retention drops a tier's oldest partitions. zstd data does
        // not compress again, so it is stored as it is.
        QStringLiteral("CREATE TABLE metric_chunks ("
                       " device BIGINT NOT NULL,"
                       " kind INTEGER NOT NULL,"
                       " start_ts BIGINT NOT NULL,"
                       " first_ts BIGINT NOT NULL,"
                       " last_ts BIGINT NOT NULL,"
                       " row_count BIGINT NOT NULL,"
                       " data BYTEA NOT NULL)"
                       " PARTITION BY LIST (kind)"),
        QStringLiteral("ALTER TABLE metric_chunks ALTER COLUMN data SET STORAGE EXTERNAL"),
        QStringLiteral("CREATE UNIQUE INDEX metric_chunks_device_kind_start"
                       " ON metric_chunks (device, kind, start_ts)"),
        QStringLiteral("CREATE INDEX metric_chunks_kind_start ON metric_chunks (kind, start_ts)"),
    };
    for (const auto &[tier, kinds] :
        {std::pair {"raw", "1, 2"}, std::pair {"minute", "3, 4"}, std::pair {"hour", "5, 6"}}) {
        const QString table = QStringLiteral("metric_chunks_%1").arg(QLatin1String(tier));
        statements << QStringLiteral("CREATE TABLE %1 PARTITION OF metric_chunks"
                                     " FOR VALUES IN (%2) PARTITION BY RANGE (start_ts)")
                          .arg(table, QLatin1String(kinds))
                   << defaultPartition(table);
    }
    statements += {
        QStringLiteral("CREATE TABLE device_labels ("
                       " device BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
                       " name VARCHAR(64) COLLATE \"C\" NOT NULL,"
                       " value VARCHAR(253) COLLATE \"C\" NOT NULL,"
                       " source VARCHAR(8) NOT NULL DEFAULT 'agent',"
                       " PRIMARY KEY (device, name))"),
        QStringLiteral("CREATE TABLE outages ("
                       " id BIGSERIAL PRIMARY KEY,"
                       " device BIGINT NOT NULL REFERENCES devices(id),"
                       " start_ts BIGINT NOT NULL,"
                       " end_ts BIGINT)"),
        QStringLiteral("CREATE INDEX outages_device_start ON outages (device, start_ts)"),
        QStringLiteral("CREATE TABLE alert_rules ("
                       " id BIGSERIAL PRIMARY KEY,"
                       " name VARCHAR(128) NOT NULL,"
                       " metric VARCHAR(64) NOT NULL,"
                       " comparison VARCHAR(2) NOT NULL,"
                       " raise_value DOUBLE PRECISION NOT NULL,"
                       " clear_value DOUBLE PRECISION NOT NULL,"
                       " for_ms BIGINT NOT NULL DEFAULT 0,"
                       " severity VARCHAR(8) NOT NULL,"
                       " device_uuid VARCHAR(36) NOT NULL DEFAULT '',"
                       " labels VARCHAR(512) NOT NULL DEFAULT '',"
                       " enabled INTEGER NOT NULL DEFAULT 1,"
                       " created_at BIGINT NOT NULL,"
                       " updated_at BIGINT NOT NULL)"),
        QStringLiteral("INSERT INTO alert_rules (name, metric, comparison, raise_value,"
                       " clear_value, for_ms, severity, created_at, updated_at) VALUES"
                       " ('Device offline', 'offline', '>', 0, 0, 0, 'critical', 0, 0),"
                       " ('Disk almost full', 'disk_percent', '>', 90, 88, 0, 'warning', 0, 0),"
                       " ('Disk full', 'disk_percent', '>', 95, 93, 0, 'critical', 0, 0),"
                       " ('Memory high', 'memory_percent', '>', 90, 85, 300000,"
                       " 'warning', 0, 0),"
                       " ('CPU saturated', 'cpu_percent', '>', 95, 90, 600000, 'warning', 0, 0),"
                       " ('Reports lost', 'report_loss_percent', '>', 5, 2, 600000,"
                       " 'warning', 0, 0)"),
        QStringLiteral("CREATE TABLE alerts ("
                       " id BIGSERIAL PRIMARY KEY,"
                       " rule_id BIGINT NOT NULL,"
                       " device BIGINT NOT NULL REFERENCES devices(id),"
                       " interface VARCHAR(64) COLLATE \"C\" NOT NULL DEFAULT '',"
                       " metric VARCHAR(64) NOT NULL,"
                       " severity VARCHAR(8) NOT NULL,"
                       " summary VARCHAR(512) NOT NULL DEFAULT '',"
                       " raised_at BIGINT NOT NULL,"
                       " raised_value DOUBLE PRECISION NOT NULL,"
                       " cleared_at BIGINT,"
                       " cleared_value DOUBLE PRECISION,"
                       " acknowledged_at BIGINT,"
                       " acknowledged_by VARCHAR(64) NOT NULL DEFAULT '',"
                       " silenced_until BIGINT NOT NULL DEFAULT 0)"),
        QStringLiteral("CREATE INDEX alerts_device_raised ON alerts (device, raised_at)"),
        QStringLiteral("CREATE INDEX alerts_raised ON alerts (raised_at)"),
        // One open alert per rule, device and interface for the whole fleet:
        // of several collectors raising it at once, one inserts and notifies.
        QStringLiteral("CREATE UNIQUE INDEX alerts_open ON alerts (rule_id, device, interface)"
                       " WHERE cleared_at IS NULL"),
        QStringLiteral("CREATE TABLE alert_channels ("
                       " id BIGSERIAL PRIMARY KEY,"
                       " name VARCHAR(128) NOT NULL,"
                       " kind VARCHAR(16) NOT NULL,"
                       " settings TEXT NOT NULL,"
                       " enabled INTEGER NOT NULL DEFAULT 1,"
                       " created_at BIGINT NOT NULL,"
                       " updated_at BIGINT NOT NULL)"),
        QStringLiteral("INSERT INTO alert_channels (name, kind, settings, enabled, created_at,"
                       " updated_at) VALUES ('This desktop', 'desktop',"
                       " '{\"min_severity\":\"warning\"}', 1, 0, 0)"),
        QStringLiteral("CREATE TABLE notification_attempts ("
                       " id BIGSERIAL PRIMARY KEY,"
                       " channel_id BIGINT NOT NULL,"
                       " at BIGINT NOT NULL,"
                       " ok INTEGER NOT NULL,"
                       " attempt INTEGER NOT NULL,"
                       " subject VARCHAR(512) NOT NULL,"
                       " detail VARCHAR(1024) NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE INDEX notification_attempts_at ON notification_attempts (at)"),
    };
    return statements;
}

} // namespace

const QList<SchemaStep> &migrations()
{
    // Append new steps; never edit one that has shipped.
    static const QList<SchemaStep> list = {{1, version1()}, {2, accountTables()},
        // Hardware rows (agents 0.2.0+), by day like the other raw rows
        // (PartitionManager).
        {3,
            {QStringLiteral("CREATE TABLE %1 (device BIGINT NOT NULL, ts BIGINT NOT NULL,"
                            " body BYTEA NOT NULL) PARTITION BY RANGE (ts)")
                    .arg(HardwareTable::table()),
                QStringLiteral("CREATE INDEX %1_device_ts ON %1 (device, ts)")
                    .arg(HardwareTable::table()),
                defaultPartition(HardwareTable::table())}}};
    return list;
}

} // namespace dmr::console::PostgresSchema
