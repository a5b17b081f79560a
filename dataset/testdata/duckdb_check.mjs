// Reads a sharded run with DuckDB (run by .ci/steps/50-dataset-duckdb.sh): the directory of parts
// must read as one table equal to the single-process file, and so must the merged file.
// usage: node duckdb_check.mjs PARTS_DIR MERGED.parquet SINGLE.parquet ROWS
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, merged, single, rows] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const one = async (sql) => (await c.runAndReadAll(sql)).getRowObjects()[0];
const checks = {
  'rows in the directory of parts': [Number((await one(`select count(*) n from read_parquet('${dir}/*.parquet')`)).n), Number(rows)],
  'distinct sim_ids in the directory': [Number((await one(`select count(distinct sim_id) n from read_parquet('${dir}/*.parquet')`)).n), Number(rows)],
  'directory rows not in the single run': [Number((await one(`select count(*) n from (select * from read_parquet('${dir}/*.parquet') except all select * from read_parquet('${single}'))`)).n), 0],
  'merged rows not in the single run': [Number((await one(`select count(*) n from (select * from read_parquet('${merged}') except all select * from read_parquet('${single}'))`)).n), 0],
  'single rows not in the merged file': [Number((await one(`select count(*) n from (select * from read_parquet('${single}') except all select * from read_parquet('${merged}'))`)).n), 0],
  'merged rows out of sim_id order': [Number((await one(`select count(*) n from (select sim_id, row_number() over () - 1 k from read_parquet('${merged}')) where sim_id <> k`)).n), 0],
};
let failed = 0;
for (const [name, [got, want]] of Object.entries(checks)) {
  const ok = got === want;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${got} (want ${want})`);
}
process.exit(failed ? 1 : 0);
