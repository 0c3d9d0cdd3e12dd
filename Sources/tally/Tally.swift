import TallyCommand

@main
extension TallyCommand {}
