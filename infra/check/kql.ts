/**
 * What a KQL query against Application Insights may name: its tables and their columns (the classic
 * schema a query on the component sees, from the Application Insights documentation), and the query
 * language's own operators and functions. A small reading of KQL, not a parser: strings are dropped,
 * `x.y` members of a dynamic column are not names, and a name a query defines (`name = …`) may be
 * used after it.
 */

const words = (...lists: string[]): string[] => lists.join(" ").split(/\s+/);

const COMMON = words(
  "timestamp itemType itemId itemCount customDimensions customMeasurements operation_Name operation_Id",
  "operation_ParentId operation_SyntheticSource session_Id user_Id user_AuthenticatedId user_AccountId",
  "application_Version client_Type client_Model client_OS client_IP client_City client_StateOrProvince",
  "client_CountryOrRegion client_Browser cloud_RoleName cloud_RoleInstance appId appName iKey sdkVersion",
);

/** Application Insights tables and their columns. */
export const APP_INSIGHTS_TABLES: Readonly<Record<string, readonly string[]>> = {
  requests: [...COMMON, ...words("id source name url success resultCode duration performanceBucket")],
  dependencies: [
    ...COMMON,
    ...words("id target type name data success resultCode duration performanceBucket"),
  ],
  traces: [...COMMON, "message", "severityLevel"],
  exceptions: [
    ...COMMON,
    ...words(
      "problemId handledAt type message assembly method outerType outerMessage outerAssembly outerMethod",
      "innermostType innermostMessage innermostAssembly innermostMethod severityLevel details",
    ),
  ],
  customMetrics: [...COMMON, ...words("name value valueCount valueSum valueMin valueMax valueStdDev")],
  customEvents: [...COMMON, "name"],
};

/** Operators, keywords and functions the workbook's queries may use. */
const LANGUAGE = new Set(
  words(
    "where summarize by extend project order sort asc desc join kind inner leftouter rightouter fullouter",
    "leftanti leftsemi on union take top limit render timechart and or not in has contains startswith",
    "endswith between matches regex true false count countif dcount sum avg min max percentile percentiles",
    "bin ago now tostring toint tolong todouble round extract isnotempty isempty isnull isnotnull arg_max",
    "arg_min iff case strcat make_list make_set datetime timespan",
  ),
);

/** The names in a query that are neither a column of the tables it reads, nor KQL, nor its own; and unknown tables. */
export function unknownNames(query: string): string[] {
  const text = query.replace(/@?"(?:[^"\\]|\\.)*"|@?'(?:[^'\\]|\\.)*'/g, '""');
  // A table starts the query or a sub-query, or follows union or a join's kind, and is followed by a pipe or the end.
  const table = /(?:^|\(|\bunion\s+|\bjoin\s+(?:kind\s*=\s*\w+\s+)?\(?)\s*([A-Za-z_]\w*)(?=\s*(?:\||$))/g;
  const tables = [...text.matchAll(table)]
    .map((match) => match[1] ?? "")
    .filter((name) => !LANGUAGE.has(name.toLowerCase()));
  const known = new Set([
    ...tables,
    ...tables.flatMap((name) => APP_INSIGHTS_TABLES[name] ?? []),
    ...[...text.matchAll(/([A-Za-z_]\w*)\s*=(?!=)/g)].map((match) => match[1] ?? ""),
  ]);
  // Names, but not `.member`s, numbers with a unit (15m, 1h) or parts of them.
  const names = [...text.matchAll(/(?<![.\w])([A-Za-z_]\w*)/g)].map((match) => match[1] ?? "");
  const unknown = names.filter((name) => !known.has(name) && !LANGUAGE.has(name.toLowerCase()));
  return [...new Set([...unknown, ...tables.filter((name) => APP_INSIGHTS_TABLES[name] === undefined)])];
}
