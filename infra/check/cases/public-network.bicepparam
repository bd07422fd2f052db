// A check case, not a deployment: the default network (public endpoints, identity-only access).
using '../../main.bicep'

param environmentName = 'check'
param location = 'swedencentral'
param alertEmail = 'operators@example.com'
param operatorKeys = 'ops1:check-case-operator-secret-0000000000000'
param partnerKeyMaster = 'check-case-partner-key-master-000000000000'
param customerTokenAudience = 'api://00000000-0000-0000-0000-00000000c0de'
