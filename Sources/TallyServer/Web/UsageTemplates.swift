/// Credit usage and the feature logs.
enum UsageTemplates {
    static let usage = #"""
        <p>Credit usage</p>
        """#

    static let log = #"""
        <p>Logs</p>
        """#
}
