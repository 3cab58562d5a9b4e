#!/usr/bin/env bash
# The demo command (`make demo`): set-up, build, install, then an RFM and lifetime-value report on
# the bundled CDNOW data, a churn model on the bundled Telco data and the Hillstrom campaign
# measured against its control group, in a throwaway cluster (temporary
# directory, unix socket only), which is removed.
source "$(dirname "$0")/lib.sh"
cd "$C360_ROOT"
bash scripts/deps.sh
take_install_lock
build_and_install

dir=$(server_tmpdir demo)
trap 'stop_temp_cluster "$dir"; rm -rf "$dir"' EXIT
log "starting a throwaway PostgreSQL $PG_MAJOR cluster in $dir"
start_temp_cluster "$dir"
gzip -dc "$C360_ROOT/data/cdnow/CDNOW_master.txt.gz" >"$dir/CDNOW_master.txt"
gzip -dc "$C360_ROOT/data/churn/Telco-Customer-Churn.csv.gz" >"$dir/telco.csv"
gzip -dc "$C360_ROOT/data/hillstrom/hillstrom.csv.gz" >"$dir/hillstrom.csv"
is_root && chown "$C360_OS_USER" "$dir/CDNOW_master.txt" "$dir/telco.csv" "$dir/hillstrom.csv"
log "loading CDNOW (data/cdnow), Telco churn (data/churn), Hillstrom (data/hillstrom): RFM, LTV, churn, campaign"
psql_c360 -v data_file="$dir/CDNOW_master.txt" -v telco_file="$dir/telco.csv" -v hillstrom_file="$dir/hillstrom.csv" -f "$(stage_file "$C360_ROOT/scripts/demo.sql" "$dir")"
log "demo done; stopping and removing the cluster"
