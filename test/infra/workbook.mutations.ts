import { describe, expect, it } from "vitest";

import { unknownNames } from "../../infra/check/kql.js";
import { ALERTS, changeJson, edit, itReports } from "./helpers.js";

const WORKBOOK = "infra/workbook.json";

interface Workbook {
  items: { name: string; content: { query?: string } }[];
}

function withQuery(item: string, query: string) {
  return changeJson<Workbook>(WORKBOOK, (workbook) => {
    const found = workbook.items.find((candidate) => candidate.name === item);
    if (found === undefined) throw new Error(`no item ${item}`);
    found.content.query = query;
  });
}

describe("KQL names", () => {
  it("knows Application Insights' tables and columns, KQL, and names a query defines", () => {
    expect(
      unknownNames(
        'requests\n| where success == false and name == "x"\n| summarize n = count() by bin(timestamp, 1h)\n| where n > 0',
      ),
    ).toEqual([]);
    expect(unknownNames("traces | where customDimensions.requestId == 'r' | project message")).toEqual([]);
    // The same column read from a table that lacks it.
    expect(unknownNames("traces | where success == false")).toEqual(["success"]);
  });

  it("reports a column the table lacks, and a table Application Insights does not have", () => {
    expect(unknownNames("requests | project functionName, duration")).toEqual(["functionName"]);
    expect(unknownNames("AzureMetrics | where MetricName == 'x'")).toEqual(["MetricName", "AzureMetrics"]);
    expect(
      unknownNames(
        "requests | join kind=inner (exceptions | project operation_Id, outerMessage) on operation_Id",
      ),
    ).toEqual([]);
    expect(
      unknownNames("requests | join kind=inner (exceptionz | project operation_Id) on operation_Id"),
    ).toEqual(["exceptionz"]);
  });
});

describe("the operators' workbook", () => {
  itReports("workbook", [
    {
      name: "fails when a tile queries a column Application Insights does not have",
      edits: [withQuery("requests-by-function", "requests\n| summarize count() by functionName")],
      finds: [
        {
          check: "workbook",
          where: "Microsoft.Insights/workbooks",
          says: ["requests-by-function", "functionName"],
        },
      ],
    },
    {
      name: "fails when a tile queries a workspace table instead of Application Insights",
      edits: [withQuery("sweep-runs", 'AzureMetrics\n| where MetricName == "DeadletteredMessages"')],
      finds: [{ check: "workbook", says: ["sweep-runs", "AzureMetrics", "MetricName"] }],
    },
    {
      name: "fails when an alert does not link to the workbook",
      edits: edit(ALERTS, ["        webHookProperties: alertLinks\n", ""]),
      finds: [
        {
          check: "workbook",
          where: "Microsoft.Insights/metricAlerts",
          says: ["does not link to the workbook"],
        },
      ],
    },
  ]);
});
