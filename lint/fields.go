package lint

import (
	"strings"

	"github.com/rulec/rulec/ast"
)

// Well-known Sigma field names, by the logsources they apply to. They come from the
// taxonomy appendix of the Sigma specification: its process-creation fields, the
// Sysmon event fields it aligns the Windows categories to, common Windows event log
// fields, and the proxy, webserver, firewall, antivirus and network field lists.
var (
	// windowsFields apply to product windows.
	windowsFields = words(`
		UtcTime ProcessGuid ProcessId Image FileVersion Description Product Company OriginalFileName
		CommandLine CurrentDirectory User LogonGuid LogonId TerminalSessionId IntegrityLevel Hashes
		ParentProcessGuid ParentProcessId ParentImage ParentCommandLine ParentUser
		TargetFilename CreationUtcTime PreviousCreationUtcTime Protocol Initiated SourceIsIpv6 SourceIp
		SourceHostname SourcePort SourcePortName DestinationIsIpv6 DestinationIp DestinationHostname
		DestinationPort DestinationPortName State Version SchemaVersion ImageLoaded Signed Signature
		SignatureStatus SourceProcessGuid SourceProcessId SourceImage SourceThreadId SourceUser
		TargetProcessGuid TargetProcessId TargetImage TargetUser NewThreadId StartAddress StartModule
		StartFunction Device GrantedAccess CallTrace EventType TargetObject Details NewName Hash Contents
		PipeName Operation Consumer Filter Destination QueryName QueryStatus QueryResults IsExecutable
		Archived ClientInfo EventID Channel Provider_Name Computer Keywords
		SubjectUserName SubjectUserSid SubjectDomainName SubjectLogonId TargetUserName TargetUserSid
		TargetDomainName TargetLogonId LogonType LogonProcessName AuthenticationPackageName
		WorkstationName IpAddress IpPort ProcessName NewProcessName ParentProcessName ServiceName
		ServiceFileName ImagePath ObjectName ObjectType ObjectServer AccessMask AccessList ShareName
		ShareLocalPath RelativeTargetName ScriptBlockText Payload ContextInfo HostApplication Status
		SubStatus FailureReason TicketEncryptionType TicketOptions ServiceType ServiceStartType
		AttributeLDAPDisplayName AttributeValue ObjectClass ObjectDN SamAccountName PrivilegeList
		TaskName TaskContent ModifyingApplication ApplicationPath Application FileName`)
	// webFields apply to the proxy and webserver categories (W3C extended log format).
	webFields = words(`
		c-uri c-uri-extension c-uri-query c-uri-stem c-useragent cs-bytes cs-cookie cs-host cs-method
		r-dns cs-referrer cs-version sc-bytes sc-status src_ip dst_ip date time c-ip cs-username
		s-sitename s-computername s-ip s-port cs-uri-stem cs-uri-query c-win32-status time-taken
		cs-user-agent cs-referer`)
	firewallFields  = words(`src_ip src_port dst_ip dst_port username`)
	antivirusFields = words(`Filename Signature Action`)
	networkFields   = words(`
		event.duration network.type network.transport network.protocol source.ip source.port
		destination.ip destination.port source.packets destination.packets source.bytes
		destination.bytes network.community_id network.state network.history dns.id dns.question.name
		dns.question.type dns.question.class dns.answers.name dns.answers.type dns.answers.class
		dns.answers.data dns.answers.ttl dns.header.flags dns.response.code`)
)

// windowsServices are the Windows logs whose fields the Windows list covers; other
// channels (e.g. openssh, with lower-case field names) have their own schemas.
var windowsServices = map[string]bool{"security": true, "system": true, "sysmon": true, "application": true,
	"powershell": true, "powershell-classic": true, "taskscheduler": true, "wmi": true}

func words(s string) []string { return strings.Fields(s) }

// fieldGroup returns the well-known fields for a logsource, or nil.
func fieldGroup(ls *ast.Logsource) []string {
	switch {
	case ls.Product == "windows" && (ls.Category != "" || windowsServices[ls.Service]):
		return windowsFields
	case ls.Category == "proxy" || ls.Category == "webserver":
		return webFields
	case ls.Category == "firewall":
		return firewallFields
	case ls.Category == "antivirus":
		return antivirusFields
	case ls.Category == "network":
		return networkFields
	}
	return nil
}

// foldIndex maps the lower-case form of each name to the name.
func foldIndex(names []string) map[string]string {
	out := make(map[string]string, len(names))
	for _, f := range names {
		out[strings.ToLower(f)] = f
	}
	return out
}
