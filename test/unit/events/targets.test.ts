import { describe, expect, it } from "vitest";

import { isPublicAddress, targetProblem } from "../../../shared/events/targets.js";

describe("webhook targets", () => {
  it.each([
    ["93.184.215.14", true],
    ["2606:4700::6810:85e5", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.20.0.1", false],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["224.0.0.1", false],
    ["::1", false],
    ["fd00:ec2::254", false],
    ["fe80::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:93.184.215.14", true],
    ["not-an-ip", false],
  ] as const)("%s is public: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it.each([
    ["https://portal.example.com/hooks", false, undefined],
    ["http://portal.example.com/hooks", false, "must be https"],
    ["https://127.0.0.1/hooks", false, "must be a public address"],
    ["https://[::1]/hooks", false, "must be a public address"],
    ["https://169.254.169.254/metadata", false, "must be a public address"],
    ["https://localhost/hooks", false, "must not be loopback"],
    ["https://user:pw@portal.example.com/", false, "must not carry credentials"],
    ["ftp://portal.example.com/", false, "must be https"],
    ["nonsense", false, "is not a URL"],
    ["http://127.0.0.1:8123/hooks", true, undefined],
    ["ftp://127.0.0.1/", true, "must be http(s)"],
  ] as const)("%s (private allowed: %s) → %s", (url, allowPrivate, problem) => {
    expect(targetProblem(url, allowPrivate)).toBe(problem);
  });
});
