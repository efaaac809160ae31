// What one role may do with one table, resolved from the metadata. The admin role may do
// everything; any other role only what its permissions grant (no permission, no field).
// `backend_only` insert/update/delete permissions count only for requests that proved the admin
// secret and sent `x-hasura-use-backend-only-permissions: true`.

import type { JsonValue } from './errors';
import type { BoolExp } from './metadata';
import type { Column, Model, Table } from './model';

export interface SelectAccess {
  columns: Column[];
  filter: BoolExp;
  limit: number | undefined;
  aggregations: boolean;
  rootFields: { select: boolean; select_by_pk: boolean; select_aggregate: boolean };
}

export interface InsertAccess {
  columns: Column[];
  check: BoolExp;
  presets: Record<string, JsonValue>;
}

export interface UpdateAccess {
  columns: Column[];
  filter: BoolExp;
  check: BoolExp | undefined;
  presets: Record<string, JsonValue>;
}

export interface DeleteAccess {
  filter: BoolExp;
}

export interface RoleView {
  role: string;
  isAdmin: boolean;
  select(table: Table): SelectAccess | undefined;
  insert(table: Table): InsertAccess | undefined;
  update(table: Table): UpdateAccess | undefined;
  delete(table: Table): DeleteAccess | undefined;
  canCallAction(name: string): boolean;
}

function pick(table: Table, columns: string[] | '*'): Column[] {
  return columns === '*' ? table.columns : table.columns.filter((c) => columns.includes(c.name));
}

export function roleView(model: Model, role: string, backendOnly: boolean): RoleView {
  const isAdmin = role === 'admin';
  const writable = (t: Table) => t.columns.filter((c) => !c.pg.generated);
  return {
    role,
    isAdmin,
    select(table) {
      if (isAdmin) {
        return {
          columns: table.columns,
          filter: {},
          limit: undefined,
          aggregations: true,
          rootFields: { select: true, select_by_pk: true, select_aggregate: true },
        };
      }
      const p = table.select.get(role);
      if (!p) return undefined;
      const allowed = (name: string) => p.queryRootFields === undefined || p.queryRootFields.includes(name);
      return {
        columns: pick(table, p.columns),
        filter: p.filter,
        limit: p.limit,
        aggregations: p.allowAggregations,
        rootFields: {
          select: allowed('select'),
          select_by_pk: allowed('select_by_pk'),
          select_aggregate: allowed('select_aggregate'),
        },
      };
    },
    insert(table) {
      if (isAdmin) return { columns: writable(table), check: {}, presets: {} };
      const p = table.insert.get(role);
      if (!p || (p.backendOnly && !backendOnly)) return undefined;
      const presets = Object.keys(p.set);
      const columns = pick(table, p.columns).filter((c) => !c.pg.generated && !presets.includes(c.name));
      return { columns, check: p.check, presets: p.set };
    },
    update(table) {
      if (isAdmin) return { columns: writable(table), filter: {}, check: undefined, presets: {} };
      const p = table.update.get(role);
      if (!p || (p.backendOnly && !backendOnly)) return undefined;
      const presets = Object.keys(p.set);
      const columns = pick(table, p.columns).filter((c) => !c.pg.generated && !presets.includes(c.name));
      return { columns, filter: p.filter, check: p.check, presets: p.set };
    },
    delete(table) {
      if (isAdmin) return { filter: {} };
      const p = table.delete.get(role);
      if (!p || (p.backendOnly && !backendOnly)) return undefined;
      return { filter: p.filter };
    },
    canCallAction(name) {
      if (isAdmin) return true;
      return model.actions.some((a) => a.name === name && a.roles.includes(role));
    },
  };
}
