/**
 * What a KQL query against Application Insights may name: its tables and their columns (the
 * classic schema a query on the component sees, from the Application Insights documentation and
 * its query API), and the query language's own operators and functions. A small reading of KQL,
 * not a parser: strings are dropped, `x.y` members of a dynamic column are not names, and a name a
 * query defines (`name = …`) may be used after it.
 */

const COMMON = [
  "timestamp",
  "itemType",
  "itemId",
  "itemCount",
  "customDimensions",
  "customMeasurements",
  "operation_Name",
  "operation_Id",
  "operation_ParentId",
  "operation_SyntheticSource",
  "session_Id",
  "user_Id",
  "user_AuthenticatedId",
  "user_AccountId",
  "application_Version",
  "client_Type",
  "client_Model",
  "client_OS",
  "client_IP",
  "client_City",
  "client_StateOrProvince",
  "client_CountryOrRegion",
  "client_Browser",
  "cloud_RoleName",
  "cloud_RoleInstance",
  "appId",
  "appName",
  "iKey",
  "sdkVersion",
];

/** Application Insights tables and their columns. */
export const APP_INSIGHTS_TABLES: Readonly<Record<string, readonly string[]>> = {
  requests: [
    ...COMMON,
    ...["id", "source", "name", "url", "success", "resultCode", "duration", "performanceBucket"],
  ],
  dependencies: [
    ...COMMON,
    ...["id", "target", "type", "name", "data", "success", "resultCode", "duration", "performanceBucket"],
  ],
  traces: [...COMMON, "message", "severityLevel"],
  exceptions: [
    ...COMMON,
    ...["problemId", "handledAt", "type", "message", "assembly", "method", "outerType", "outerMessage"],
    ...["outerAssembly", "outerMethod", "innermostType", "innermostMessage", "innermostAssembly"],
    ...["innermostMethod", "severityLevel", "details"],
  ],
  customMetrics: [
    ...COMMON,
    ...["name", "value", "valueCount", "valueSum", "valueMin", "valueMax", "valueStdDev"],
  ],
  customEvents: [...COMMON, "name"],
};

/** Operators, keywords and functions the workbook's queries may use. */
const LANGUAGE = new Set(
  [
    ...["where", "summarize", "by", "extend", "project", "order", "sort", "asc", "desc", "join", "kind"],
    ...["inner", "leftouter", "rightouter", "fullouter", "leftanti", "leftsemi", "on", "union", "take"],
    ...["top", "limit", "render", "timechart", "and", "or", "not", "in", "has", "contains", "startswith"],
    ...["endswith", "between", "matches", "regex", "true", "false", "count", "countif", "dcount", "sum"],
    ...["avg", "min", "max", "percentile", "percentiles", "bin", "ago", "now", "tostring", "toint"],
    ...["tolong", "todouble", "round", "extract", "isnotempty", "isempty", "isnull", "isnotnull"],
    ...["arg_max", "arg_min", "iff", "case", "strcat", "make_list", "make_set", "datetime", "timespan"],
  ].map((word) => word.toLowerCase()),
);

export interface KqlNames {
  readonly tables: readonly string[];
  /** Names that are neither a column of the tables the query reads, nor KQL, nor defined by the query. */
  readonly unknown: readonly string[];
}

function withoutStrings(query: string): string {
  return query.replace(/@?"(?:[^"\\]|\\.)*"|@?'(?:[^'\\]|\\.)*'/g, '""');
}

/** The tables a query reads and the names in it that Application Insights does not have. */
export function namesIn(query: string): KqlNames {
  const text = withoutStrings(query);
  // A table starts the query or a parenthesised sub-query, or follows union or a join's kind, and
  // is followed by a pipe (or ends the query).
  const tables = [
    ...text.matchAll(
      /(?:^|\(|\bunion\s+|\bjoin\s+(?:kind\s*=\s*\w+\s+)?\(?)\s*([A-Za-z_]\w*)(?=\s*(?:\||$))/g,
    ),
  ]
    .map((match) => match[1] ?? "")
    .filter((name) => !LANGUAGE.has(name.toLowerCase()));
  const columns = new Set(tables.flatMap((table) => APP_INSIGHTS_TABLES[table] ?? []));
  const defined = new Set([...text.matchAll(/([A-Za-z_]\w*)\s*=(?!=)/g)].map((match) => match[1] ?? ""));
  const unknown = new Set<string>();
  // Names, but not `.member`s, numbers with a unit (15m, 1h) or parts of them.
  for (const match of text.matchAll(/(?<![.\w])([A-Za-z_]\w*)/g)) {
    const name = match[1] ?? "";
    if (tables.includes(name) || columns.has(name) || defined.has(name) || LANGUAGE.has(name.toLowerCase())) {
      continue;
    }
    unknown.add(name);
  }
  return {
    tables,
    unknown: [...unknown, ...tables.filter((table) => APP_INSIGHTS_TABLES[table] === undefined)],
  };
}
